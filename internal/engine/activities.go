package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// activityLoop runs one activity work item.
func (e *Engine) activityLoop(ctx context.Context) error {
	wi, err := e.be.NextActivityWorkItem(ctx)
	if err != nil {
		return err
	}
	ev := wi.Event
	var result *history.Event
	done := activityDoneFunc(noActivityDone)
	if wi.DequeueCount >= e.opts.MaxDequeueCount {
		result = history.NewTaskFailed(e.clock.Now(), ev.EventID, &history.FailureDetails{ErrorType: "PoisonMessage",
			ErrorMessage: fmt.Sprintf("activity '%s' was delivered %d times without completing", ev.Name, wi.DequeueCount)})
	} else {
		// The activity keeps running through a graceful stop: it gets a
		// context that is not canceled with the dispatcher's.
		var actx context.Context
		actx, done = e.startActivity(context.WithoutCancel(ctx), wi)
		out, failure := e.exec.RunActivity(actx, ev.Name, wi.InstanceID, ev.Input)
		if failure != nil {
			result = history.NewTaskFailed(e.clock.Now(), ev.EventID, failure)
		} else {
			result = history.NewTaskCompleted(e.clock.Now(), ev.EventID, out)
		}
	}
	if e.handOff(ctx, wi, result) {
		done(result)
		return nil
	}
	if e.completeAsync(ctx, wi, result, done) {
		return nil
	}
	if err := e.completeActivity(ctx, wi, result); err != nil {
		return fmt.Errorf("instance %s: activity '%s' (task %d): %w", wi.InstanceID, ev.Name, ev.EventID, err)
	}
	done(result)
	return nil
}

// completeActivity reports an activity's result. The activity has run, so
// a store that does not answer (an outage, a network fault) is retried for
// a while before the request is given back to run again.
func (e *Engine) completeActivity(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	stopping := ctx.Done()
	ctx = context.WithoutCancel(ctx)
	var err error
retry:
	for attempt := 0; attempt < completeAttempts; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * completeRetryStep):
			case <-stopping:
				break retry // shutting down: give it back now
			}
		}
		err = e.be.CompleteActivityWorkItem(ctx, wi, result)
		if err == nil || errors.Is(err, store.ErrWorkItemLost) || errors.Is(err, store.ErrClosed) {
			return err
		}
		e.log.Warn("durable: reporting an activity result failed; retrying", "instanceId", wi.InstanceID, "activity", wi.Event.Name, "attempt", attempt+1, "error", err)
	}
	if aerr := e.be.AbandonActivityWorkItem(ctx, wi, backoff(wi.DequeueCount)); aerr != nil && !errors.Is(aerr, store.ErrWorkItemLost) {
		err = errors.Join(err, fmt.Errorf("abandon: %w", aerr))
	}
	return err
}

// A result is offered to the store completeAttempts times, waiting one
// more completeRetryStep before each retry (about 10 s in all).
const (
	completeAttempts  = 5
	completeRetryStep = time.Second
)
