package engine

import (
	"context"
	"errors"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// handOff runs the episode an activity's result starts on the activity
// worker, when the store can (store.ResultHandoff) and the orchestration
// is idle: one commit records the result and that episode, and the
// result never goes through a queue. It reports whether the result was
// stored that way; when it was not, nothing was, and the caller
// completes the activity as usual.
func (e *Engine) handOff(ctx context.Context, awi *store.ActivityWorkItem, result *history.Event) bool {
	rh, ok := e.be.(store.ResultHandoff)
	if !ok || ctx.Err() != nil {
		return false
	}
	// Hand-off episodes have slots of their own (engine.go): were they
	// to share the inline starts', the starts waiting for a slot would
	// take every one that frees and the results would queue.
	select {
	case e.handoffs <- struct{}{}:
		defer func() { <-e.handoffs }()
	default:
		return false
	}
	wctx := context.WithoutCancel(ctx)
	wi, ok, err := rh.LockForResult(wctx, awi, result)
	if err != nil || !ok {
		return false
	}
	commit, _ := e.process(wi, store.Orchestrations)
	if commit == nil {
		// Rejected or panicked: the result goes through the queue and
		// the dispatchers apply their retry rules.
		_ = e.be.AbandonOrchestrationWorkItem(wctx, wi, 0)
		return false
	}
	failPoint("activity-handoff-before-commit")
	switch err := e.complete(wctx, wi, store.Orchestrations, commit); {
	case err == nil:
		return true
	case errors.Is(err, store.ErrWorkItemLost):
		return false // unlocked by the store; nothing was written
	default:
		if aerr := e.be.AbandonOrchestrationWorkItem(wctx, wi, 0); aerr != nil && !errors.Is(aerr, store.ErrWorkItemLost) {
			e.log.Warn("durable: releasing an instance after a failed hand-off", "instanceId", wi.InstanceID, "error", aerr)
		}
		return false
	}
}
