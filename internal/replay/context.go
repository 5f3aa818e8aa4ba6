package replay

import (
	"encoding/json"
	"log/slog"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// Context is the orchestrator's view of its execution during one replay.
// Its methods must be called from the orchestrator's goroutine only.
type Context struct {
	opts       Options
	instanceID string
	past, new  []*history.Event
	n, npast   int

	cursor      int // index of the next event to apply
	lastApplied int // index of the event applied last
	started     *history.Event
	startedAt   int // history index of started
	now         time.Time

	sched []*history.Event // history's scheduling events, by EventID
	tasks []*Task          // tasks with a sequence number, by number
	seq   int
	slab  []Task
	// slabNext is the size of the next slab once history's scheduling
	// events have their tasks (newTask).
	slabNext int

	waiters  map[string][]*Task // external-event waiters by lower-cased name, FIFO
	buffered map[string][]bufferedEvent
	bufSeq   int

	customStatus    string
	customStatusSet bool
	continueAsNew   *continueAsNew
	guidCounter     int
	logger          *slog.Logger
	critical        *criticalSection
	lastSent        map[string]sentMark // lower-cased entity id → last request sent

	sess      *Session // non-nil when the code parks between episodes
	exiting   bool
	blockedOn *Task // what the code waited for when history ran out
	done      bool
	status    history.RuntimeStatus
	output    string
	failure   *history.FailureDetails
}

type continueAsNew struct {
	input      string
	keepEvents bool
}

type bufferedEvent struct {
	order int
	event *history.Event
}

func (c *Context) event(i int) *history.Event {
	if i < c.npast {
		return c.past[i]
	}
	return c.new[i-c.npast]
}

// step applies the next history event. It returns false when history is
// exhausted.
func (c *Context) step() bool {
	if c.cursor >= c.n {
		return false
	}
	i := c.cursor
	e := c.event(i)
	c.cursor++
	c.lastApplied = i
	if e == nil {
		c.abort(corrupt("event %d is null", i))
	}
	switch e.EventType {
	case history.OrchestratorStarted:
		if e.Timestamp.After(c.now) {
			c.now = e.Timestamp
		}
	case history.ExecutionStarted:
		if c.started == nil {
			c.started, c.startedAt = e, i
			if c.now.IsZero() {
				c.now = e.Timestamp
			}
		}
	case history.TaskCompleted:
		if t := c.taskFor(e.TaskScheduledID, kindActivity); t != nil {
			t.succeed(e.Result, i)
		}
	case history.SubOrchestrationInstanceCompleted:
		if t := c.taskFor(e.TaskScheduledID, kindSubOrchestration); t != nil {
			t.succeed(e.Result, i)
		}
	case history.TaskFailed:
		if t := c.taskFor(e.TaskScheduledID, kindActivity); t != nil {
			t.fail(newTaskFailedError(t, e), i)
		}
	case history.SubOrchestrationInstanceFailed:
		if t := c.taskFor(e.TaskScheduledID, kindSubOrchestration); t != nil {
			t.fail(newTaskFailedError(t, e), i)
		}
	case history.TimerFired:
		if t := c.taskFor(e.TimerID, kindTimer); t != nil {
			t.succeed("", i)
		}
	case history.EventRaised:
		c.deliver(e, i)
	}
	return true
}

// taskFor finds the pending task of the given kind a completion event
// refers to. Completions for unknown or finished tasks (duplicates, events
// for tasks the code never awaited) and completions of the wrong kind (a
// TaskCompleted for a timer) are ignored, as the Durable Task Framework
// ignores completions it cannot match.
func (c *Context) taskFor(id int, kind taskKind) *Task {
	if id < 0 || id >= len(c.tasks) {
		return nil
	}
	if t := c.tasks[id]; t.state == statePending && t.kind == kind {
		return t
	}
	return nil
}

// schedule gives t the next sequence number and checks it against history.
func (c *Context) schedule(t *Task) {
	if max := c.opts.maxActions(); c.seq >= max {
		c.abort(actionLimit(max))
	}
	t.id = c.seq
	c.seq++
	c.tasks = append(c.tasks, t)
	if t.id >= len(c.sched) {
		return // a new action
	}
	e := c.sched[t.id]
	if e.EventType != t.kind.historyType() || !sameTarget(e, t) {
		c.abort(nondeterminism(mismatchMessage(e, t)))
	}
	if t.kind == kindSubOrchestration {
		t.instanceID = e.InstanceID // history is the truth for generated ids
	}
}

func sameTarget(e *history.Event, t *Task) bool {
	switch t.kind {
	case kindTimer:
		return true
	case kindEntityCall, kindSignal:
		return strings.EqualFold(e.InstanceID, t.instanceID)
	}
	return strings.EqualFold(e.Name, t.name)
}

// isNew reports whether the next scheduled task will be a new action, which
// is when its input has to be encoded.
func (c *Context) isNew() bool { return c.seq >= len(c.sched) }

// InstanceID returns the id of the orchestration instance.
func (c *Context) InstanceID() string { return c.instanceID }

// ExecutionID returns the id of the current execution (it changes on
// continue-as-new).
func (c *Context) ExecutionID() string {
	if c.started != nil && c.started.OrchestrationInstance != nil {
		return c.started.OrchestrationInstance.ExecutionID
	}
	return ""
}

// Name returns the orchestrator's name.
func (c *Context) Name() string {
	if c.started != nil {
		return c.started.Name
	}
	return ""
}

// ParentInstanceID returns the id of the parent orchestration, or "".
func (c *Context) ParentInstanceID() string {
	if c.started != nil && c.started.ParentInstance != nil && c.started.ParentInstance.OrchestrationInstance != nil {
		return c.started.ParentInstance.OrchestrationInstance.InstanceID
	}
	return ""
}

// RawInput returns the orchestration input as JSON text ("" when none).
func (c *Context) RawInput() string {
	if c.started == nil {
		return ""
	}
	return c.started.Input
}

// GetInput decodes the orchestration input into v.
func (c *Context) GetInput(v any) error {
	if err := decodeJSON(c.RawInput(), v); err != nil {
		return &InputError{What: "orchestration input", Err: err}
	}
	return nil
}

// IsReplaying reports whether the code is re-running past decisions.
func (c *Context) IsReplaying() bool { return c.lastApplied < c.npast }

// CurrentUTCDateTime returns the deterministic current time: the start time
// of the episode in which the event the code last waited for arrived. It
// never moves backwards.
func (c *Context) CurrentUTCDateTime() time.Time { return c.now }

// SetCustomStatus records a JSON-encodable value that status queries show.
func (c *Context) SetCustomStatus(v any) error {
	if c.exiting {
		return nil
	}
	js, err := marshalJSON(v)
	if err != nil {
		return &InputError{What: "custom status", Err: err}
	}
	c.customStatus, c.customStatusSet = js, true
	return nil
}

// ContinueAsNew ends this execution when the orchestrator returns and starts
// a new one with input and an empty history. With keepEvents, external events
// that arrived but were not consumed are delivered to the new execution.
func (c *Context) ContinueAsNew(input any, keepEvents bool) error {
	if c.exiting {
		return nil
	}
	js, err := marshalJSON(input)
	if err != nil {
		return &InputError{What: "continue-as-new input", Err: err}
	}
	c.continueAsNew = &continueAsNew{input: js, keepEvents: keepEvents}
	return nil
}

func (c *Context) bufferedEvents() []*history.Event {
	var all []bufferedEvent
	for _, q := range c.buffered {
		all = append(all, q...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].order < all[j].order })
	out := make([]*history.Event, len(all))
	for i, b := range all {
		out[i] = b.event
	}
	return out
}

// encodeActionInput encodes the input of the action about to be scheduled.
// A replayed action needs no text, since history records it, but whether
// encoding fails must not depend on replaying: an input that cannot be
// encoded takes no sequence number, so skipping the check on replay would
// renumber every later action. Values of types that always encode are
// skipped; anything else is encoded and dropped.
func (c *Context) encodeActionInput(v any) (string, error) {
	if c.isNew() {
		return encodeInput(v)
	}
	switch x := v.(type) {
	case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, json.RawMessage:
		return "", nil
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return "", nil
		}
	}
	_, err := encodeInput(v)
	return "", err
}

func encodeInput(v any) (string, error) {
	switch x := v.(type) {
	case string:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return marshalJSON(v)
}
