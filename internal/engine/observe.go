package engine

import (
	"context"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Observer watches the engine's work for tracing, metrics, tracking logs
// and lifecycle notifications (internal/telemetry implements it). It sees
// commits, not replays: an episode replays the whole history, but only the
// events its commit appends are new, so an observer that acts on those acts
// once per event however often the orchestration replays. Options.Observer
// nil costs one nil check per work item.
//
// Methods are called on the dispatcher's goroutine and must not block:
// anything slow (exporting, publishing) belongs in the observer's own
// goroutines.
type Observer interface {
	// Creating is called by a client before it writes an instance's
	// ExecutionStarted; it may stamp start.ParentTraceContext from ctx.
	Creating(ctx context.Context, start *history.Event)
	// Sending is called by a client before it sends m: an event raised to
	// an instance, or an operation signaled to an entity. It may stamp
	// m.Event.ParentTraceContext from ctx.
	Sending(ctx context.Context, m *store.Message)
	// Committing is called with an episode's (or entity batch's) commit
	// before the store writes it, with the time processing took. It may
	// stamp trace context on the events the commit sends.
	Committing(wi *store.OrchestrationWorkItem, kind store.WorkKind, c *store.OrchestrationCommit, took time.Duration)
	// Committed is called once the store has written the commit.
	Committed(wi *store.OrchestrationWorkItem, kind store.WorkKind, c *store.OrchestrationCommit)
	// ActivityStarting returns the context the activity runs with (it may
	// carry the activity's span).
	ActivityStarting(ctx context.Context, wi *store.ActivityWorkItem) context.Context
	// ActivityDone is called once the activity's result is stored.
	ActivityDone(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event, started time.Time)
}

// process is safeProcess, timed and shown to the observer.
func (e *Engine) process(wi *store.OrchestrationWorkItem, kind store.WorkKind) (*store.OrchestrationCommit, time.Duration) {
	obs := e.opts.Observer
	if obs == nil {
		return e.safeProcess(wi, kind)
	}
	began := time.Now()
	c, retry := e.safeProcess(wi, kind)
	if c != nil {
		obs.Committing(wi, kind, c, time.Since(began))
	}
	return c, retry
}

// committed tells the observer a commit was written.
func (e *Engine) committed(wi *store.OrchestrationWorkItem, kind store.WorkKind, c *store.OrchestrationCommit) {
	if obs := e.opts.Observer; obs != nil {
		obs.Committed(wi, kind, c)
	}
}

// activityDoneFunc reports an activity's stored result to the observer.
type activityDoneFunc func(result *history.Event)

func noActivityDone(*history.Event) {}

// startActivity shows an activity to the observer before it runs; the
// returned function reports its stored result.
func (e *Engine) startActivity(ctx context.Context, wi *store.ActivityWorkItem) (context.Context, activityDoneFunc) {
	obs := e.opts.Observer
	if obs == nil {
		return ctx, noActivityDone
	}
	began := time.Now()
	ctx = obs.ActivityStarting(ctx, wi)
	return ctx, func(result *history.Event) { obs.ActivityDone(ctx, wi, result, began) }
}

// ObserveCreate lets the observer stamp trace context on a new instance's
// ExecutionStarted. Clients call it; a nil engine does nothing.
func (e *Engine) ObserveCreate(ctx context.Context, start *history.Event) {
	if e == nil || e.opts.Observer == nil {
		return
	}
	e.opts.Observer.Creating(ctx, start)
}

// ObserveSend shows the observer a message a client is about to send.
// Clients call it; a nil engine does nothing.
func (e *Engine) ObserveSend(ctx context.Context, m *store.Message) {
	if e == nil || e.opts.Observer == nil {
		return
	}
	e.opts.Observer.Sending(ctx, m)
}
