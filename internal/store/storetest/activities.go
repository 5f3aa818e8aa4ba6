package storetest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// scheduleActivities creates instance id and commits a first episode that
// schedules n activities "Act" with inputs 0..n-1.
func (e *env) scheduleActivities(id string, n int) []*history.Event {
	e.t.Helper()
	e.create(id)
	wi := e.nextFor(id)
	acts := make([]*history.Event, n)
	for i := range acts {
		acts[i] = history.NewTaskScheduled(e.now(), i, "Act", fmt.Sprint(i))
	}
	e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi, acts...), Activities: acts})
	return acts
}

var activityTests = []test{
	{"A completed activity's result reaches the orchestration", func(e *env) {
		acts := e.scheduleActivities("a", 1)
		wi := e.nextActivity()
		e.sameEvents("request", []*history.Event{wi.Event}, acts)
		res := history.NewTaskCompleted(e.now(), 0, `"done"`)
		if err := e.b.CompleteActivityWorkItem(e.ctx, wi, res); err != nil {
			e.t.Fatal(err)
		}
		e.noActivity()
		ow := e.nextFor("a")
		e.sameEvents("orchestration messages", messageEvents(ow.Messages), []*history.Event{res})
		if ow.Messages[0].ExecutionID != "a-1" {
			e.t.Fatalf("result addressed to execution %q, want a-1", ow.Messages[0].ExecutionID)
		}
		err := e.b.CompleteActivityWorkItem(e.ctx, wi, res)
		e.isErr("second completion", err, store.ErrWorkItemLost)
	}},
	{"A failed activity's TaskFailed reaches the orchestration", func(e *env) {
		e.scheduleActivities("f", 1)
		wi := e.nextActivity()
		res := history.NewTaskFailed(e.now(), 0, &history.FailureDetails{ErrorType: "E", ErrorMessage: "boom"})
		if err := e.b.CompleteActivityWorkItem(e.ctx, wi, res); err != nil {
			e.t.Fatal(err)
		}
		e.sameEvents("orchestration messages", messageEvents(e.nextFor("f").Messages), []*history.Event{res})
	}},
	{"An abandoned activity is redelivered after retryAfter with DequeueCount incremented", func(e *env) {
		acts := e.scheduleActivities("r", 1)
		wi := e.nextActivity()
		if err := e.b.AbandonActivityWorkItem(e.ctx, wi, 20*time.Second); err != nil {
			e.t.Fatal(err)
		}
		e.noActivity()
		err := e.b.CompleteActivityWorkItem(e.ctx, wi, history.NewTaskCompleted(e.now(), 0, ""))
		e.isErr("completing an abandoned activity", err, store.ErrWorkItemLost)
		e.noWork(store.Orchestrations)
		again := afterAdvance(e, 20*time.Second, func(ctx context.Context) (*store.ActivityWorkItem, error) {
			return e.b.NextActivityWorkItem(ctx)
		})
		if again.DequeueCount != 2 || again.InstanceID != "r" {
			e.t.Fatalf("redelivered %+v, want r's request with DequeueCount 2", again)
		}
		e.sameEvents("redelivered request", []*history.Event{again.Event}, acts)
	}},
	{"Each of 200 activities is delivered to exactly one of 8 concurrent workers", func(e *env) {
		const n, workers = 200, 8
		e.scheduleActivities("fan", n)
		var (
			mu   sync.Mutex
			seen = map[int]int{}
			wg   sync.WaitGroup
			errs = make(chan error, workers)
		)
		ctx, cancel := context.WithTimeout(e.ctx, waitLimit)
		defer cancel()
		var count int
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					wi, err := e.b.NextActivityWorkItem(ctx)
					if err != nil {
						if ctx.Err() == nil {
							errs <- err
						}
						return
					}
					if err := e.b.CompleteActivityWorkItem(ctx, wi, history.NewTaskCompleted(e.now(), wi.Event.EventID, "")); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					seen[wi.Event.EventID]++
					count++
					if count == n {
						cancel()
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			e.t.Fatal(err)
		}
		for i := range n {
			if seen[i] != 1 {
				e.t.Fatalf("activity %d delivered %d times, want 1", i, seen[i])
			}
		}
		got := 0
		for got < n {
			wi := e.nextFor("fan")
			got += len(wi.Messages)
			e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		}
		if got != n {
			e.t.Fatalf("orchestration received %d results, want %d", got, n)
		}
	}},
}
