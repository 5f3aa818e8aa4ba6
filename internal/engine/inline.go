package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// CreateInstance creates an orchestration instance, as the store's
// CreateInstance does. When the store can (store.InlineStarter) and the
// engine is running, the first episode runs here, in the caller's
// goroutine, and one commit writes the instance with that episode: the
// client's StartNew returns once the instance is Running with its first
// activities, timers and messages queued, and the start never goes
// through a queue. Anything the inline path cannot do (a scheduled start,
// an id in use, no free episode slot, a versioning rejection, a failed
// commit) falls back to creating the instance for the dispatchers, so the
// outcome is the one they would have reached; an error reserving the id
// is returned, as CreateInstance would have returned it.
func (e *Engine) CreateInstance(ctx context.Context, start *history.Event, opts store.CreateOptions) error {
	if done, err := e.startInline(ctx, start, opts); done {
		return err
	}
	return e.be.CreateInstance(ctx, start, opts)
}

// startInline tries the inline path; done is false when the caller is to
// create the instance the usual way.
func (e *Engine) startInline(ctx context.Context, start *history.Event, opts store.CreateOptions) (done bool, err error) {
	is, ok := e.be.(store.InlineStarter)
	if !ok || !opts.VisibleAt.IsZero() || start == nil || start.OrchestrationInstance == nil ||
		store.KindOf(start.OrchestrationInstance.InstanceID) != store.Orchestrations || !e.running() {
		return false, nil
	}
	// At most MaxConcurrentOrchestrations inline episodes run at once,
	// besides the dispatchers' and the hand-offs'. A start waits for a slot
	// rather than queueing: a queued start costs the store a message
	// written, fetched and deleted, which is most of what the inline
	// path saves (on Redis, a fifth of the commands of a one-activity
	// orchestration), and a slot frees within one episode.
	select {
	case e.inline <- struct{}{}:
		defer func() { <-e.inline }()
	case <-ctx.Done():
		return false, nil
	}
	wi, ok, err := is.CreateLocked(ctx, start, opts)
	if err != nil || !ok {
		return err != nil, err
	}
	wctx := context.WithoutCancel(ctx) // the reservation must be settled either way
	commit, _ := e.process(wi, store.Orchestrations)
	if commit == nil {
		// Rejected (versioning) or the episode panicked: the dispatchers
		// take it from here, with their retry rules.
		return true, e.be.AbandonOrchestrationWorkItem(wctx, wi, 0)
	}
	failPoint("inline-start-before-commit")
	switch err := e.complete(wctx, wi, store.Orchestrations, commit); {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrWorkItemLost):
		return false, nil // the id was taken meanwhile: CreateInstance applies the dedupe rules
	default:
		if aerr := e.be.AbandonOrchestrationWorkItem(wctx, wi, 0); aerr != nil {
			return true, fmt.Errorf("instance %s: start: %w", wi.InstanceID, errors.Join(err, aerr))
		}
		return true, nil
	}
}

// running reports whether the dispatchers are running.
func (e *Engine) running() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.started
}
