package replay

import (
	"strings"

	"github.com/godurable/durablefunctions/internal/history"
)

// A Session is an execution whose code stayed in memory after an episode
// ended with the code waiting (Durable Functions' extended sessions).
// Instead of unwinding, the code's goroutine is parked inside the Await that
// ran out of history; Resume hands it the next episode's events and the code
// carries on from there, so the history already applied is not replayed.
//
// A resumed episode gives exactly the Result a full replay of the same
// history would give (for deterministic code), because the parked code is
// in the state a full replay reaches at the same point of history: Resume
// checks that the episode continues the history the session applied, and
// checks every scheduling event history recorded since against the task
// the live code created, as a replay would. Anything else is refused and
// the caller replays in full.
//
// A Session is used by one goroutine at a time. It holds a goroutine and
// the execution's tasks and history until it is resumed to the end of the
// execution or closed.
type Session struct {
	c      *Context
	resume chan bool     // caller → code: true to go on, false to unwind
	parked chan struct{} // code → caller: the episode is over, the code waits
	done   chan struct{} // closed when the code's goroutine ends
	live   bool          // the goroutine is parked and can be resumed
}

// ExecuteSession is Execute, except that an episode that ends with the code
// waiting keeps the code parked: the returned Session (nil when the
// execution ended) continues it with Resume, or ends it with Close.
func ExecuteSession(fn Orchestrator, ep Episode, opts Options) (*Result, *Session) {
	c := newContext(ep, opts)
	s := &Session{c: c, resume: make(chan bool), parked: make(chan struct{}), done: make(chan struct{})}
	c.sess = s
	go c.run(fn, s.done)
	s.wait()
	if !s.live {
		return c.result(), nil
	}
	return c.result(), s
}

// Live reports whether the code is parked and can be resumed.
func (s *Session) Live() bool { return s != nil && s.live }

// Resume runs the next episode on the parked code and returns its result.
// It returns ok false, having closed the session, when the episode does not
// continue the history this session applied (another execution, history
// rewritten, an episode replayed again after a failed commit, different
// options) or when history recorded actions other than the ones the live
// code took: the caller must then replay the episode in full. After Resume,
// the session is live again if the code still waits.
func (s *Session) Resume(ep Episode, opts Options) (r *Result, ok bool) {
	if !s.Live() {
		return nil, false
	}
	sched, ok := s.continues(ep, opts)
	if !ok {
		s.Close()
		return nil, false
	}
	c := s.c
	c.past, c.new = ep.Past, ep.New
	c.npast, c.n = len(ep.Past), len(ep.Past)+len(ep.New)
	c.sched = append(c.sched, sched...)
	c.blockedOn = nil
	s.live = false
	s.resume <- true
	s.wait()
	return c.result(), true
}

// Close unwinds the parked code (its deferred calls run, with the context
// inert, as at the end of any episode) and waits for its goroutine to end.
// Closing a session that is not live does nothing.
func (s *Session) Close() {
	if !s.Live() {
		return
	}
	s.live = false
	s.resume <- false
	<-s.done
}

// wait blocks until the code parks or its goroutine ends.
func (s *Session) wait() {
	select {
	case <-s.parked:
		s.live = true
	case <-s.done:
		s.live = false
	}
}

// park runs on the code's goroutine when history ran out: it hands control
// back to the caller and blocks until the next episode. It reports whether
// the code should go on (false: unwind).
func (s *Session) park() bool {
	s.parked <- struct{}{}
	return <-s.resume
}

// continues checks that ep extends the history the session applied and
// returns the scheduling events it adds. The history of an execution only
// grows, so the session checks its ends rather than every event: the
// ExecutionStarted event (the same execution) and the last event it
// applied, at the same indexes. Every event it did not apply is checked as
// start and schedule check it in a full replay.
func (s *Session) continues(ep Episode, opts Options) ([]*history.Event, bool) {
	c := s.c
	applied := c.n
	if opts != c.opts || ep.InstanceID != c.instanceID || len(ep.Past) < applied || c.startedAt < 0 {
		return nil, false
	}
	at := func(i int) *history.Event {
		if i < len(ep.Past) {
			return ep.Past[i]
		}
		return ep.New[i-len(ep.Past)]
	}
	if !sameEvent(at(c.startedAt), c.started) || !sameEvent(at(applied-1), c.event(applied-1)) {
		return nil, false
	}
	var sched []*history.Event
	for i, n := applied, len(ep.Past)+len(ep.New); i < n; i++ {
		e := at(i)
		if e == nil {
			return nil, false
		}
		if !e.EventType.IsScheduling() {
			continue
		}
		id := len(c.sched) + len(sched)
		if e.EventID != id {
			return nil, false // corrupt: a full replay reports it
		}
		if id < len(c.tasks) && !recordsTask(e, c.tasks[id]) {
			return nil, false // not what the code did: a full replay reports it
		}
		sched = append(sched, e)
	}
	return sched, true
}

// recordsTask reports whether history event e records task t exactly as a
// replay would accept it, including the ids a replay takes from history
// (sub-orchestration instance ids, entity request ids in the message).
func recordsTask(e *history.Event, t *Task) bool {
	if e.EventType != t.kind.historyType() || !sameTarget(e, t) {
		return false
	}
	switch t.kind {
	case kindSubOrchestration:
		return e.InstanceID == t.instanceID
	case kindEntityCall, kindSignal:
		return e.Input == t.input && strings.EqualFold(e.Name, actionEventName(t))
	}
	return true
}

func actionEventName(t *Task) string {
	if t.eventName != "" {
		return t.eventName
	}
	return EntityOperationEvent
}

// sameEvent reports whether a and b are the same history event: the same
// pointer, or equal in the fields that place an event in a history.
func sameEvent(a, b *history.Event) bool {
	if a == b {
		return true
	}
	if a == nil || b == nil {
		return false
	}
	if a.EventType != b.EventType || a.EventID != b.EventID || !a.Timestamp.Equal(b.Timestamp) ||
		a.Name != b.Name || a.TaskScheduledID != b.TaskScheduledID || a.TimerID != b.TimerID {
		return false
	}
	if a.EventType == history.ExecutionStarted {
		return executionID(a) == executionID(b) && a.Input == b.Input
	}
	return true
}

func executionID(e *history.Event) string {
	if e.OrchestrationInstance == nil {
		return ""
	}
	return e.OrchestrationInstance.ExecutionID
}
