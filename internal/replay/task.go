package replay

import (
	"errors"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

type taskKind uint8

const (
	kindActivity taskKind = iota
	kindTimer
	kindSubOrchestration
	kindEntityCall
	kindSignal
	kindExternalEvent
	kindWhenAll
	kindWhenAny
	kindRetry
	kindLongTimer
	kindEventWithTimeout
	kindDone // created already complete (or failed)
)

var kindNames = [...]string{
	kindActivity: "activity", kindTimer: "timer", kindSubOrchestration: "sub-orchestration",
	kindEntityCall: "entity call", kindSignal: "entity signal", kindExternalEvent: "external event",
	kindWhenAll: "WhenAll", kindWhenAny: "WhenAny", kindRetry: "retried call",
	kindLongTimer: "timer", kindEventWithTimeout: "external event", kindDone: "task",
}

type taskState uint8

const (
	statePending taskState = iota
	stateSucceeded
	stateFailed
)

// Task is the pending result of something the orchestrator started: an
// activity, a timer, a sub-orchestration, an external event, an entity call
// or a combination of tasks.
type Task struct {
	c     *Context
	kind  taskKind
	state taskState
	id    int // sequence number, -1 for tasks that take none
	// doneAt is the history index of the event that completed the task;
	// WhenAny picks the child completed earliest.
	doneAt int

	name   string
	input  string // JSON text, only for new actions
	result string // JSON text
	err    error

	// parent is the first composite task waiting on this one, parents any
	// further ones: most tasks have one parent at most, and a fan-out
	// should not cost an allocation per child.
	parent   *Task
	parents  []*Task
	children []*Task
	pending  int   // WhenAll: children not yet done
	winner   *Task // WhenAny

	fireAt     time.Time // timers
	instanceID string    // sub-orchestrations and entities
	version    string    // sub-orchestrations
	eventName  string    // EventSent name when not "op" (lock releases)
	retry      *retryState
	canceled   bool
}

// ErrCanceled is returned by Await on a timer that was canceled.
var ErrCanceled = errors.New("durable: task canceled")

func (c *Context) newTask(kind taskKind) *Task {
	if len(c.slab) == 0 {
		// A replay creates at least one task per scheduling event in
		// history: make room for those still to come. Past them, slabs
		// start small and double, since most episodes of most
		// orchestrations take a few tasks (a slab of 64 was most of the
		// bytes a one-activity orchestration allocated).
		n := len(c.sched) - len(c.tasks)
		if n <= 0 {
			n = max(c.slabNext, 8)
			c.slabNext = 2 * n
		}
		c.slab = make([]Task, min(n, 4096))
	}
	t := &c.slab[0]
	c.slab = c.slab[1:]
	t.c, t.kind, t.id, t.doneAt = c, kind, -1, -1
	return t
}

// IsDone reports whether the task has completed, successfully or not, as of
// the point in history the orchestrator has reached.
func (t *Task) IsDone() bool { return t != nil && t.state != statePending }

// Await waits for the task and decodes its result into v (a pointer, or nil
// to discard it). It returns the task's error: a *TaskFailedError for failed
// activities, sub-orchestrations and entity operations, ErrCanceled for a
// canceled timer, or a *TimeoutError for an external event that timed out.
//
// For a WhenAny task, v may be a **Task (or *Task) that receives the winner.
// For a WhenAll task, v may be a pointer to a slice that receives each
// child's result in order.
func (t *Task) Await(v any) error {
	if t == nil || t.c == nil {
		return errors.New("durable: Await called on a zero Task")
	}
	c := t.c
	if c.exiting {
		c.exit()
	}
	for t.state == statePending {
		if !c.step() {
			c.blockedOn = t
			c.suspend()
		}
	}
	if t.state == stateFailed {
		return t.err
	}
	return t.decode(v)
}

func (t *Task) succeed(result string, at int) {
	if t.state != statePending {
		return
	}
	t.state, t.result, t.doneAt = stateSucceeded, result, at
	t.notify()
}

func (t *Task) fail(err error, at int) {
	if t.state != statePending {
		return
	}
	t.state, t.err, t.doneAt = stateFailed, err, at
	t.notify()
}

func (t *Task) notify() {
	if t.parent != nil {
		t.parent.childDone(t)
	}
	for _, p := range t.parents {
		p.childDone(t)
	}
}

func (t *Task) addParent(p *Task) {
	if t.parent == nil {
		t.parent = p
		return
	}
	t.parents = append(t.parents, p)
}

// childDone moves a composite task along when one of its children finishes.
func (p *Task) childDone(child *Task) {
	if p.state != statePending {
		return
	}
	switch p.kind {
	case kindWhenAll:
		if child.state == stateFailed {
			p.fail(child.err, child.doneAt)
			return
		}
		if p.pending--; p.pending == 0 {
			p.succeed("", child.doneAt)
		}
	case kindWhenAny:
		p.winner = child
		p.succeed("", child.doneAt)
	case kindRetry:
		p.retryChildDone(child)
	case kindLongTimer:
		p.longTimerChildDone(child)
	case kindEventWithTimeout:
		p.eventTimeoutChildDone(child)
	}
}

// Cancel cancels a pending timer: awaiting it returns ErrCanceled and its
// firing is ignored. Canceling any other task, or a finished one, does
// nothing.
func (t *Task) Cancel() {
	if t == nil || t.state != statePending || (t.kind != kindTimer && t.kind != kindLongTimer) {
		return
	}
	t.canceled = true
	t.fail(ErrCanceled, t.c.lastApplied)
	for _, ch := range t.children {
		ch.Cancel()
	}
}

// actionEvent is the history event that records a newly taken action.
func (t *Task) actionEvent(ts time.Time) *history.Event {
	switch t.kind {
	case kindActivity:
		return history.NewTaskScheduled(ts, t.id, t.name, t.input)
	case kindTimer:
		return history.NewTimerCreated(ts, t.id, t.fireAt)
	case kindSubOrchestration:
		e := history.NewSubOrchestrationCreated(ts, t.id, t.name, t.instanceID, t.input)
		e.Version = t.version
		return e
	case kindEntityCall, kindSignal:
		name := EntityOperationEvent
		if t.eventName != "" {
			name = t.eventName
		}
		return history.NewEventSent(ts, t.id, t.instanceID, name, t.input)
	}
	return nil
}

// historyType is the scheduling event type that records a task of this kind.
func (k taskKind) historyType() history.EventType {
	switch k {
	case kindActivity:
		return history.TaskScheduled
	case kindTimer:
		return history.TimerCreated
	case kindSubOrchestration:
		return history.SubOrchestrationInstanceCreated
	default:
		return history.EventSent
	}
}

// describeWaits lists the unfinished leaf tasks under t: what the code is
// actually waiting for.
func (t *Task) describeWaits(out []string) []string {
	if t.state != statePending {
		return out
	}
	switch t.kind {
	case kindWhenAll, kindWhenAny, kindRetry, kindLongTimer, kindEventWithTimeout:
		if t.kind == kindRetry && t.retry != nil && t.retry.current != nil {
			return t.retry.current.describeWaits(out)
		}
		for _, ch := range t.children {
			out = ch.describeWaits(out)
		}
		return out
	case kindExternalEvent:
		return append(out, fmt.Sprintf("external event %q", t.name))
	case kindTimer:
		return append(out, fmt.Sprintf("durable timer (task %d) due %s", t.id, t.fireAt.Format(time.RFC3339)))
	case kindEntityCall:
		return append(out, fmt.Sprintf("entity call '%s' to %s (task %d)", t.name, t.instanceID, t.id))
	}
	return append(out, fmt.Sprintf("%s '%s' (task %d)", kindNames[t.kind], t.name, t.id))
}
