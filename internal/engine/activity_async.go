package engine

import (
	"context"
	"errors"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// maxQueuedResultsPerWorker bounds the results queued and not yet
// committed, per activity worker: enough for a fan-out's results to
// reach one group commit together, few enough that their memory stays a
// small multiple of the activities running.
const maxQueuedResultsPerWorker = 8

// completeAsync queues an activity's result for the store's next group
// commit (store.AsyncActivityCompleter) and reports whether it did; the
// worker then takes its next activity without waiting for that commit.
// Crash safety is unchanged: until the commit the request stays in the
// store, locked, so a process that dies first runs the activity again
// after the restart, as it would have had it died while the worker
// waited. A commit that fails wrote nothing and left the lock in place;
// the result then takes the synchronous path, with its retries and its
// abandon, on a goroutine of its own.
func (e *Engine) completeAsync(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event, done activityDoneFunc) bool {
	ac, ok := e.be.(store.AsyncActivityCompleter)
	if !ok || ctx.Err() != nil {
		return false
	}
	select {
	case e.queued <- struct{}{}:
	default:
		return false // the writer is behind: this result waits for its commit
	}
	observed := e.opts.Observer != nil
	e.pending.Add(1)
	then := func(err error) {
		<-e.queued
		switch {
		case err == nil:
			if !observed {
				e.pending.Done()
				return
			}
			// then runs on the store's writer: the observer, which may
			// export, runs apart.
			go func() {
				defer e.pending.Done()
				done(result)
			}()
		case errors.Is(err, store.ErrWorkItemLost):
			e.pending.Done()
			e.log.Warn("durable: an activity result was not stored: its lock was lost", "instanceId", wi.InstanceID, "activity", wi.Event.Name)
		default:
			go func() {
				defer e.pending.Done()
				if err := e.completeActivity(ctx, wi, result); err != nil {
					e.log.Warn("durable: reporting an activity result failed", "instanceId", wi.InstanceID, "activity", wi.Event.Name, "error", err)
					return
				}
				done(result)
			}()
		}
	}
	if err := ac.CompleteActivityWorkItemAsync(ctx, wi, result, then); err != nil {
		<-e.queued
		e.pending.Done()
		return false // nothing was queued: the synchronous path reports it
	}
	return true
}
