package engine

import (
	"context"
	"fmt"

	"github.com/godurable/durablefunctions/internal/history"
)

// activityLoop runs one activity work item.
func (e *Engine) activityLoop(ctx context.Context) error {
	wi, err := e.be.NextActivityWorkItem(ctx)
	if err != nil {
		return err
	}
	ev := wi.Event
	var result *history.Event
	if wi.DequeueCount >= e.opts.MaxDequeueCount {
		result = history.NewTaskFailed(e.clock.Now(), ev.EventID, &history.FailureDetails{ErrorType: "PoisonMessage",
			ErrorMessage: fmt.Sprintf("activity '%s' was delivered %d times without completing", ev.Name, wi.DequeueCount)})
	} else {
		// The activity keeps running through a graceful stop: it gets a
		// context that is not canceled with the dispatcher's.
		out, failure := e.exec.RunActivity(context.WithoutCancel(ctx), ev.Name, wi.InstanceID, ev.Input)
		if failure != nil {
			result = history.NewTaskFailed(e.clock.Now(), ev.EventID, failure)
		} else {
			result = history.NewTaskCompleted(e.clock.Now(), ev.EventID, out)
		}
	}
	if err := e.be.CompleteActivityWorkItem(context.WithoutCancel(ctx), wi, result); err != nil {
		return fmt.Errorf("instance %s: activity '%s' (task %d): %w", wi.InstanceID, ev.Name, ev.EventID, err)
	}
	return nil
}
