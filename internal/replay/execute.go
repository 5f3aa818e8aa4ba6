package replay

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// Orchestrator is orchestrator code as the replay core runs it.
type Orchestrator func(ctx *Context) (any, error)

// Episode is the input of one replay: the history of the current execution,
// split into events already processed (Past) and events that arrived since
// (New). New normally starts with an OrchestratorStarted event whose
// timestamp is the episode's current time.
type Episode struct {
	InstanceID string
	Past       []*history.Event
	New        []*history.Event
}

// Options tune the replay.
type Options struct {
	// MaxTimerInterval is the longest delay a store can schedule at once;
	// longer timers are chained from timers of LongTimerInterval. Zero means
	// any delay is fine.
	MaxTimerInterval  time.Duration
	LongTimerInterval time.Duration
	// Logger receives the orchestration's log records while it is not
	// replaying. Nil discards them.
	Logger *slog.Logger
	// MaxActions bounds the actions (activity calls, timers,
	// sub-orchestrations, entity messages) one execution may take, as
	// host.json's maxOrchestrationActions does; zero means
	// DefaultMaxActions. An execution that goes past it fails, instead of
	// growing memory without bound.
	MaxActions int
	// DefaultVersion is the version sub-orchestrations start with when
	// the call names none (host.json defaultVersion).
	DefaultVersion string
}

// DefaultMaxActions is Durable Functions' default maxOrchestrationActions.
const DefaultMaxActions = 100_000

func (o Options) maxActions() int {
	if o.MaxActions > 0 {
		return o.MaxActions
	}
	return DefaultMaxActions
}

// Result is what one episode produced.
type Result struct {
	// Actions are the scheduling events of actions history does not record
	// yet (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated,
	// EventSent), in sequence order. Their timestamps are the episode's time.
	Actions []*history.Event
	// CustomStatus is the JSON text set by SetCustomStatus, if
	// CustomStatusSet.
	CustomStatus    string
	CustomStatusSet bool

	// Done is true when the execution ended: Status is then Completed,
	// Failed or ContinuedAsNew.
	Done    bool
	Status  history.RuntimeStatus
	Output  string                  // JSON text of the return value
	Failure *history.FailureDetails // why it failed
	// NewInput and CarryOver describe the next execution of a
	// ContinuedAsNew instance: its input and the external events that had
	// arrived but were not consumed (only when the code asked to keep them).
	NewInput  string
	CarryOver []*history.Event
	// Waiting describes, when the episode ended with the code still
	// waiting, the tasks it waits for ("activity 'X' (task 3)", "external
	// event \"Approval\""): for reports of instances that never finish.
	Waiting []string
}

// Execute replays fn over the episode's history and returns what it did. It
// never panics because of the code or the history: a panic in fn, an error it
// returns, a nondeterministic replay or a corrupt history yields a Failed
// result.
func Execute(fn Orchestrator, ep Episode, opts Options) *Result {
	c := newContext(ep, opts)
	done := make(chan struct{})
	go c.run(fn, done)
	<-done
	return c.result()
}

func newContext(ep Episode, opts Options) *Context {
	c := &Context{opts: opts, instanceID: ep.InstanceID, past: ep.Past, new: ep.New}
	c.n = len(ep.Past) + len(ep.New)
	c.npast = len(ep.Past)
	c.lastApplied = -1
	c.startedAt = -1
	return c
}

// run is the body of the orchestrator's goroutine.
func (c *Context) run(fn Orchestrator, done chan<- struct{}) {
	defer close(done)
	defer func() {
		// Goexit (suspension or abort) is not a panic: recover returns nil.
		if r := recover(); r != nil {
			c.finishFailed(&history.FailureDetails{
				ErrorType:    PanicErrorType,
				ErrorMessage: fmt.Sprintf("orchestrator function panicked: %v", r),
				StackTrace:   string(debug.Stack()),
			})
		} else if !c.exiting {
			// The code called runtime.Goexit itself (t.FailNow, say):
			// waiting for nothing forever would hide it.
			c.finishFailed(&history.FailureDetails{
				ErrorType:    GoexitErrorType,
				ErrorMessage: "orchestrator function called runtime.Goexit instead of returning",
			})
		}
	}()
	if !c.start() {
		c.exiting = true
		return
	}
	out, err := fn(c)
	c.exiting = true // API calls after return record nothing
	switch {
	case err != nil:
		c.finishFailed(failureFromError(err))
	case c.continueAsNew != nil:
		c.finish(history.StatusContinuedAsNew, "")
	default:
		js, merr := marshalJSON(out)
		if merr != nil {
			c.finishFailed(&history.FailureDetails{ErrorType: "SerializationError",
				ErrorMessage: fmt.Sprintf("orchestrator output cannot be encoded as JSON: %v", merr)})
			return
		}
		c.finish(history.StatusCompleted, js)
	}
	c.drain()
}

// start indexes the history and applies events up to ExecutionStarted.
func (c *Context) start() bool {
	scheduling := 0
	for i := 0; i < c.n; i++ {
		if e := c.event(i); e != nil && e.EventType.IsScheduling() {
			scheduling++
		}
	}
	c.sched = make([]*history.Event, 0, scheduling)
	c.tasks = make([]*Task, 0, scheduling)
	for i := 0; i < c.n; i++ {
		e := c.event(i)
		if e == nil {
			c.finishFailed(corrupt("event %d is null", i))
			return false
		}
		if e.EventType.IsScheduling() {
			if e.EventID != len(c.sched) {
				c.finishFailed(corrupt("scheduling event %d (%s) has EventId %d, want %d", i, e.EventType, e.EventID, len(c.sched)))
				return false
			}
			c.sched = append(c.sched, e)
		}
	}
	for c.started == nil {
		if !c.step() {
			c.finishFailed(corrupt("no ExecutionStarted event"))
			return false
		}
	}
	return true
}

// drain applies the rest of history after the code finished, so that
// scheduling events it did not reproduce are caught and unconsumed events
// are buffered for continue-as-new.
func (c *Context) drain() {
	for c.step() {
	}
	if c.seq < len(c.sched) && c.failure == nil {
		e := c.sched[c.seq]
		c.finishFailed(nondeterminism(fmt.Sprintf(
			"A previous execution of this orchestration scheduled %s with sequence number %d named '%s', but the current replay execution hasn't (yet?) scheduled it. Was a change made to the orchestrator code after this instance had already started running?",
			describeEventType(e.EventType), e.EventID, e.Name)))
	}
}

// suspend ends the episode while the code waits for something history does
// not contain yet.
func (c *Context) suspend() {
	if c.seq < len(c.sched) {
		e := c.sched[c.seq]
		c.abort(nondeterminism(fmt.Sprintf(
			"A previous execution of this orchestration scheduled %s with sequence number %d named '%s', but the current replay execution is waiting without having scheduled it. Was a change made to the orchestrator code after this instance had already started running?",
			describeEventType(e.EventType), e.EventID, e.Name)))
	}
	if c.sess != nil && c.sess.park() {
		return // resumed with more history: the caller's Await goes on
	}
	c.exit()
}

// abort fails the execution from inside the code's goroutine and unwinds it.
func (c *Context) abort(f *history.FailureDetails) {
	c.finishFailed(f)
	c.exit()
}

func (c *Context) exit() {
	c.exiting = true
	runtime.Goexit()
}

func (c *Context) finish(status history.RuntimeStatus, output string) {
	if c.done {
		return
	}
	c.done, c.status, c.output = true, status, output
}

func (c *Context) finishFailed(f *history.FailureDetails) {
	if c.done && c.failure != nil {
		return
	}
	c.done, c.status, c.failure, c.output = true, history.StatusFailed, f, ""
}

func (c *Context) result() *Result {
	r := &Result{CustomStatus: c.customStatus, CustomStatusSet: c.customStatusSet}
	if c.failure != nil && c.aborted() {
		r.Done, r.Status, r.Failure = true, history.StatusFailed, c.failure
		return r
	}
	for _, t := range c.tasks[min(len(c.sched), len(c.tasks)):] {
		if e := t.actionEvent(c.now); e != nil {
			r.Actions = append(r.Actions, e)
		}
	}
	if !c.done && c.blockedOn != nil {
		r.Waiting = c.blockedOn.describeWaits(nil)
	}
	if c.done {
		r.Done, r.Status, r.Output, r.Failure = true, c.status, c.output, c.failure
		if c.continueAsNew != nil && c.status == history.StatusContinuedAsNew {
			r.NewInput = c.continueAsNew.input
			if c.continueAsNew.keepEvents {
				r.CarryOver = c.bufferedEvents()
			}
		}
	}
	return r
}

// aborted reports whether the failure came from the core (nondeterminism,
// corrupt history, panic) rather than from an error the code returned; such
// failures discard the episode's actions.
func (c *Context) aborted() bool {
	switch c.failure.ErrorType {
	case NonDeterminismErrorType, CorruptHistoryErrorType, PanicErrorType, GoexitErrorType, ActionLimitErrorType:
		return true
	}
	return false
}

func marshalJSON(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case json.RawMessage:
		return string(x), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
