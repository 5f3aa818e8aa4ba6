package sqlite_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

// fanOutActivities starts one instance whose first episode schedules n
// activities, as a fan-out does.
func fanOutActivities(b *testing.B, s *sqlite.Store, n int) {
	b.Helper()
	ctx := context.Background()
	wi, ok, err := s.CreateLocked(ctx, startEvent("fan"), store.CreateOptions{})
	if err != nil || !ok {
		b.Fatalf("CreateLocked = %v, %v", ok, err)
	}
	now := time.Now().UTC()
	row := *wi.Instance
	row.Status, row.LastUpdatedAt = history.StatusRunning, now
	hist := []*history.Event{history.NewOrchestratorStarted(now)}
	hist = append(hist, wi.Messages[0].Event)
	c := &store.OrchestrationCommit{Instance: &row}
	for i := 0; i < n; i++ {
		ev := history.NewTaskScheduled(now, i, "Act", `1`)
		hist = append(hist, ev)
		c.Activities = append(c.Activities, ev)
	}
	c.NewHistory = append(hist, history.NewOrchestratorCompleted(now))
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, c); err != nil {
		b.Fatal(err)
	}
}

// benchActivityResults runs b.N activities of one fan-out on 20 workers,
// as the engine's default activity concurrency on two cores does, each
// completing its activity with complete.
func benchActivityResults(b *testing.B, complete func(s *sqlite.Store, wi *store.ActivityWorkItem, result *history.Event, wg *sync.WaitGroup) error) {
	s := benchStore(b)
	fanOutActivities(b, s, b.N)
	ctx := context.Background()
	var wg, settled sync.WaitGroup
	work := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	b.ResetTimer()
	for w := 0; w < 20; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				wi, err := s.NextActivityWorkItem(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				if err := complete(s, wi, history.NewTaskCompleted(time.Now(), wi.Event.EventID, `1`), &settled); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	settled.Wait()
}

// BenchmarkSQLiteActivityResultWaiting completes each activity with
// CompleteActivityWorkItem: every worker waits for a commit per result.
func BenchmarkSQLiteActivityResultWaiting(b *testing.B) {
	benchActivityResults(b, func(s *sqlite.Store, wi *store.ActivityWorkItem, result *history.Event, _ *sync.WaitGroup) error {
		return s.CompleteActivityWorkItem(context.Background(), wi, result)
	})
}

// BenchmarkSQLiteActivityResultQueued completes each activity with
// CompleteActivityWorkItemAsync: the workers go on while the writer
// commits their results in groups; the clock stops when all are stored.
func BenchmarkSQLiteActivityResultQueued(b *testing.B) {
	benchActivityResults(b, func(s *sqlite.Store, wi *store.ActivityWorkItem, result *history.Event, settled *sync.WaitGroup) error {
		settled.Add(1)
		err := s.CompleteActivityWorkItemAsync(context.Background(), wi, result, func(err error) {
			if err != nil {
				b.Error(err)
			}
			settled.Done()
		})
		if err != nil {
			settled.Done()
		}
		return err
	})
}
