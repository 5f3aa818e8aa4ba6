package durable

import (
	"log/slog"
	"slices"
	"time"

	"github.com/godurable/durablefunctions/internal/replay"
)

// OrchestratorFunc is an orchestrator: deterministic code that coordinates
// activities, timers, events, sub-orchestrations and entities. It is replayed
// from history, so it must take every decision from its context: time from
// CurrentUTCDateTime, ids from NewGUID, I/O through activities.
type OrchestratorFunc func(ctx *OrchestrationContext) (any, error)

// OrchestrationContext is what an orchestrator uses to act. Call it only from
// the orchestrator's own goroutine.
type OrchestrationContext struct {
	c *replay.Context
	// locks are the entities of the current critical section as the code
	// spelled them (the replay core keeps lower-cased names), in lock order.
	locks []EntityID
}

// Task is the pending result of an action. Await it to get the result; the
// zero Task is invalid.
type Task struct {
	t *replay.Task
}

// Await waits for the task and decodes its result into v (a pointer, or nil).
// For a WhenAny task, pass a *Task to receive the winner; for a WhenAll task,
// a pointer to a slice receives every result in order.
//
// Errors: *TaskFailedError when an activity, sub-orchestration or entity
// operation failed; *TimeoutError when an external event wait timed out;
// ErrCanceled for a canceled timer.
func (t Task) Await(v any) error {
	if w, ok := v.(*Task); ok {
		var winner *replay.Task
		err := t.t.Await(&winner)
		*w = Task{winner}
		return err
	}
	return t.t.Await(v)
}

// IsDone reports whether the task has finished as of the point in history the
// orchestrator has reached.
func (t Task) IsDone() bool { return t.t.IsDone() }

// Cancel cancels a pending timer (a no-op for other tasks): awaiting it
// returns ErrCanceled.
func (t Task) Cancel() { t.t.Cancel() }

// InstanceID returns the orchestration's instance id.
func (ctx *OrchestrationContext) InstanceID() string { return ctx.c.InstanceID() }

// ParentInstanceID returns the parent's instance id for a sub-orchestration,
// or "".
func (ctx *OrchestrationContext) ParentInstanceID() string { return ctx.c.ParentInstanceID() }

// Name returns the orchestrator's name.
func (ctx *OrchestrationContext) Name() string { return ctx.c.Name() }

// GetInput decodes the orchestration's input into v.
func (ctx *OrchestrationContext) GetInput(v any) error { return ctx.c.GetInput(v) }

// IsReplaying reports whether the code is re-running decisions history
// already records. Use it to avoid repeating side effects such as logs;
// Logger does this for you.
func (ctx *OrchestrationContext) IsReplaying() bool { return ctx.c.IsReplaying() }

// CurrentUTCDateTime is the deterministic current time: the start of the
// episode in which the event the code last waited for arrived.
func (ctx *OrchestrationContext) CurrentUTCDateTime() time.Time { return ctx.c.CurrentUTCDateTime() }

// NewGUID returns a deterministic, replay-safe RFC 4122 UUID (version 5).
func (ctx *OrchestrationContext) NewGUID() string { return ctx.c.NewGUID() }

// Logger returns a logger that stays silent while the code replays.
func (ctx *OrchestrationContext) Logger() *slog.Logger { return ctx.c.Logger() }

// SetCustomStatus records a JSON-encodable value that status queries show.
func (ctx *OrchestrationContext) SetCustomStatus(v any) error { return ctx.c.SetCustomStatus(v) }

// CallActivity schedules the named activity with input and returns its
// pending result.
//
//	var greeting string
//	err := ctx.CallActivity("SayHello", "Tokyo").Await(&greeting)
//
// Nothing checks the name or the input's type before the call runs; an
// [Activity] handle has the compiler check both.
func (ctx *OrchestrationContext) CallActivity(name string, input any, opts ...CallOption) Task {
	o := applyCallOptions(opts)
	return Task{ctx.c.CallActivity(name, input, o.retry)}
}

// CallSubOrchestrator starts the named orchestrator as a child and returns
// its pending output. WithInstanceID chooses the child's id, WithVersion
// its version (else the runtime's default version). An
// [Orchestrator] handle has the compiler check the name and types.
func (ctx *OrchestrationContext) CallSubOrchestrator(name string, input any, opts ...CallOption) Task {
	o := applyCallOptions(opts)
	return Task{ctx.c.CallSubOrchestratorVersion(name, o.instanceID, o.version, input, o.retry)}
}

// CreateTimer returns a durable timer that fires at fireAt.
func (ctx *OrchestrationContext) CreateTimer(fireAt time.Time) Task {
	return Task{ctx.c.CreateTimer(fireAt)}
}

// WaitForExternalEvent waits for an event raised to this instance with name
// (case-insensitive). Events raised before the wait are buffered.
func (ctx *OrchestrationContext) WaitForExternalEvent(name string, opts ...EventOption) Task {
	var o eventOptions
	for _, opt := range opts {
		opt(&o)
	}
	return Task{ctx.c.WaitForExternalEvent(name, o.timeout)}
}

// WhenAll completes when all tasks complete, or fails with the first failure.
func (ctx *OrchestrationContext) WhenAll(tasks ...Task) Task {
	return Task{ctx.c.WhenAll(unwrap(tasks))}
}

// WhenAny completes when the first of tasks finishes; Await it with a *Task
// to learn which.
//
//	var winner durable.Task
//	_ = ctx.WhenAny(approval, timeout).Await(&winner)
//	if winner == approval { ... }
func (ctx *OrchestrationContext) WhenAny(tasks ...Task) Task {
	return Task{ctx.c.WhenAny(unwrap(tasks))}
}

// ContinueAsNew restarts the orchestration with a new input and an empty
// history once the orchestrator returns (its return value is then ignored).
func (ctx *OrchestrationContext) ContinueAsNew(input any, opts ...ContinueAsNewOption) error {
	var o continueAsNewOptions
	for _, opt := range opts {
		opt(&o)
	}
	return ctx.c.ContinueAsNew(input, o.keepEvents)
}

// CallEntity calls an operation on an entity and returns its pending result.
// An [EntityOperation] handle has the compiler check the input and result
// types.
func (ctx *OrchestrationContext) CallEntity(id EntityID, operation string, input any) Task {
	return Task{ctx.c.CallEntity(id.String(), operation, input)}
}

// SignalEntity sends a one-way operation to an entity.
func (ctx *OrchestrationContext) SignalEntity(id EntityID, operation string, input any, opts ...SignalOption) error {
	var o signalOptions
	for _, opt := range opts {
		opt(&o)
	}
	return ctx.c.SignalEntity(id.String(), operation, input, o.at)
}

// LockEntities enters a critical section: it acquires the locks of the
// entities (in a global order, so critical sections never deadlock) and
// returns once all are held. Until release is called (or the orchestration
// ends), no one else's operations run on those entities. Inside the section
// only the locked entities may be called, one call at a time per entity;
// locked entities may not be signaled, and no sub-orchestration may start.
// Breaking a rule returns a *LockingRulesViolationError. IsLocked reports
// whether code runs inside a section.
//
//	release, err := ctx.LockEntities(from, to)
//	if err != nil { return nil, err }
//	defer release()
func (ctx *OrchestrationContext) LockEntities(ids ...EntityID) (release func(), err error) {
	sids := make([]string, len(ids))
	for i, id := range ids {
		if err := id.Validate(); err != nil {
			return nil, err
		}
		sids[i] = id.String()
	}
	t, err := ctx.c.LockEntities(sids)
	if err != nil {
		return nil, err
	}
	ctx.locks = lockOrder(ids, sids)
	if err := t.Await(nil); err != nil {
		return nil, err
	}
	return ctx.c.ReleaseLocks, nil
}

// IsLocked reports whether the orchestration is inside a critical section
// (Durable Functions' IsLocked and InCriticalSection), and if so which
// entities it holds, in the order LockEntities acquired them and with the
// names spelled as they were passed. Outside a section, and after release,
// it returns false and nil. Use it to check a helper's precondition, or to
// tell whether an entity must be called (locked) or may be signaled.
//
//	if locked, _ := ctx.IsLocked(); !locked {
//		return nil, errors.New("transfer must run inside a critical section")
//	}
func (ctx *OrchestrationContext) IsLocked() (locked bool, entities []EntityID) {
	if !ctx.c.InCriticalSection() {
		return false, nil
	}
	return true, slices.Clone(ctx.locks)
}

// lockOrder returns ids in the order the replay core sorts their scheduler
// ids sids (EntityID.String: the name lower-cased, the key as it is),
// without duplicates (the first spelling of a name wins).
func lockOrder(ids []EntityID, sids []string) []EntityID {
	byID := make(map[string]EntityID, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		byID[sids[i]] = ids[i]
	}
	sorted := replay.SortEntityIDs(sids)
	out := make([]EntityID, len(sorted))
	for i, s := range sorted {
		out[i] = byID[s]
	}
	return out
}

func unwrap(tasks []Task) []*replay.Task {
	out := make([]*replay.Task, len(tasks))
	for i, t := range tasks {
		out[i] = t.t
	}
	return out
}
