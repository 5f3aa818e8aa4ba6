package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

func benchStore(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// cycle creates an instance, takes its work item and commits a first
// episode that schedules one activity: what starting an orchestration
// costs the store.
func cycle(ctx context.Context, s store.Store, id string) error {
	now := time.Now().UTC()
	start := history.NewExecutionStarted(now, "Orch", id, id+"-1", `"in"`, nil, nil)
	if err := s.CreateInstance(ctx, start, store.CreateOptions{}); err != nil {
		return err
	}
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		return err
	}
	return commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(now, 0, "Act", `1`))
}

func commitEpisode(ctx context.Context, s store.Store, wi *store.OrchestrationWorkItem, status history.RuntimeStatus, sched *history.Event) error {
	now := time.Now().UTC()
	row := *wi.Instance
	row.Status, row.LastUpdatedAt = status, now
	hist := []*history.Event{history.NewOrchestratorStarted(now)}
	for _, m := range wi.Messages {
		hist = append(hist, m.Event)
	}
	c := &store.OrchestrationCommit{Instance: &row}
	if sched != nil {
		hist = append(hist, sched)
		c.Activities = []*history.Event{sched}
	} else {
		hist = append(hist, history.NewExecutionCompleted(now, status, `"out"`, nil))
		row.Output = `"out"`
	}
	c.NewHistory = append(hist, history.NewOrchestratorCompleted(now))
	return s.CompleteOrchestrationWorkItem(ctx, wi, c)
}

// BenchmarkSQLiteCommit measures one create → work item → commit cycle at
// a time (no group commit possible).
func BenchmarkSQLiteCommit(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := cycle(ctx, s, fmt.Sprintf("i%d", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSQLiteCommitParallel runs the same cycle from 64 goroutines, as
// a loaded engine would: the writer groups their commits.
func BenchmarkSQLiteCommitParallel(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := cycle(ctx, s, fmt.Sprintf("i%d", n.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSQLiteActivityComplete measures taking and completing activity
// requests from 1,000-way fan-outs with 32 workers.
func BenchmarkSQLiteActivityComplete(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	now := time.Now().UTC()
	// Queue b.N requests from fan-out orchestrations of up to 1,000.
	for k := 0; k*1000 < b.N; k++ {
		id := fmt.Sprintf("fan%d", k)
		if err := s.CreateInstance(ctx, history.NewExecutionStarted(now, "Fan", id, id+"-1", "", nil, nil), store.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
		if err != nil {
			b.Fatal(err)
		}
		n := min(1000, b.N-k*1000)
		acts := make([]*history.Event, n)
		for i := range acts {
			acts[i] = history.NewTaskScheduled(now, i, "Square", fmt.Sprint(i))
		}
		row := *wi.Instance
		row.Status = history.StatusRunning
		if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: &row, NewHistory: acts, Activities: acts}); err != nil {
			b.Fatal(err)
		}
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ResetTimer()
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				wi, err := s.NextActivityWorkItem(ctx)
				if err != nil {
					b.Error(err)
					return
				}
				if err := s.CompleteActivityWorkItem(ctx, wi, history.NewTaskCompleted(now, wi.Event.EventID, `1`)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkSQLiteOneActivityOrchestration drives complete one-activity
// orchestrations through the store the way the engine does (16
// orchestration and 16 activity workers, 64 clients): each op is one
// orchestration from create to Completed.
func BenchmarkSQLiteOneActivityOrchestration(b *testing.B) {
	s := benchStore(b)
	pipeline(b, s)
}

func pipeline(b *testing.B, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		done      atomic.Int64
		finished  = make(chan struct{})
		wg        sync.WaitGroup
		latencies = make([]time.Duration, b.N)
		started   = make([]time.Time, b.N)
	)
	total := int64(b.N)
	b.ResetTimer()
	for range 16 {
		wg.Add(2)
		go func() { // orchestration worker
			defer wg.Done()
			for {
				wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
				if err != nil {
					return
				}
				var sched *history.Event
				status := history.StatusCompleted
				if len(wi.History) == 0 {
					sched, status = history.NewTaskScheduled(time.Now(), 0, "Act", `1`), history.StatusRunning
				}
				if err := commitEpisode(ctx, s, wi, status, sched); err != nil {
					return
				}
				if status == history.StatusCompleted {
					var i int
					fmt.Sscanf(wi.InstanceID, "o%d", &i)
					latencies[i] = time.Since(started[i])
					if done.Add(1) == total {
						close(finished)
					}
				}
			}
		}()
		go func() { // activity worker
			defer wg.Done()
			for {
				wi, err := s.NextActivityWorkItem(ctx)
				if err != nil {
					return
				}
				if err := s.CompleteActivityWorkItem(ctx, wi, history.NewTaskCompleted(time.Now(), wi.Event.EventID, `1`)); err != nil {
					return
				}
			}
		}()
	}
	var next atomic.Int64
	for range 64 {
		go func() {
			for {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				id := fmt.Sprintf("o%d", i)
				started[i] = time.Now()
				if err := s.CreateInstance(ctx, history.NewExecutionStarted(time.Now(), "Orch", id, id+"-1", `1`, nil, nil), store.CreateOptions{}); err != nil {
					return
				}
			}
		}()
	}
	<-finished
	b.StopTimer()
	cancel()
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orch/s")
}

// BenchmarkSQLiteLatency measures start → Completed of a one-activity
// orchestration on an idle store, one at a time.
func BenchmarkSQLiteLatency(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("l%d", i)
		if err := s.CreateInstance(ctx, history.NewExecutionStarted(time.Now(), "Orch", id, id+"-1", `1`, nil, nil), store.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
		if err != nil {
			b.Fatal(err)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(time.Now(), 0, "Act", `1`)); err != nil {
			b.Fatal(err)
		}
		act, err := s.NextActivityWorkItem(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.CompleteActivityWorkItem(ctx, act, history.NewTaskCompleted(time.Now(), 0, `1`)); err != nil {
			b.Fatal(err)
		}
		wi, err = s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
		if err != nil {
			b.Fatal(err)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusCompleted, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSQLiteInlineStart measures what cycle measures through the
// inline path: the create and the first episode in one commit, with no
// start message.
func BenchmarkSQLiteInlineStart(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	now := time.Now().UTC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("inline-%d", i)
		wi, ok, err := s.CreateLocked(ctx, history.NewExecutionStarted(now, "Orch", id, id+"-1", `"in"`, nil, nil), store.CreateOptions{})
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(now, 0, "Act", `1`)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSQLiteLatencyFastPaths is BenchmarkSQLiteLatency through the
// in-process fast paths the engine takes: an inline start (the create and
// the first episode in one commit) and a result hand-off (the activity's
// completion and the last episode in one commit).
func BenchmarkSQLiteLatencyFastPaths(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("l%d", i)
		wi, ok, err := s.CreateLocked(ctx, history.NewExecutionStarted(time.Now(), "Orch", id, id+"-1", `1`, nil, nil), store.CreateOptions{})
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusRunning, history.NewTaskScheduled(time.Now(), 0, "Act", `1`)); err != nil {
			b.Fatal(err)
		}
		act, err := s.NextActivityWorkItem(ctx)
		if err != nil {
			b.Fatal(err)
		}
		wi, ok, err = s.LockForResult(ctx, act, history.NewTaskCompleted(time.Now(), 0, `1`))
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := commitEpisode(ctx, s, wi, history.StatusCompleted, nil); err != nil {
			b.Fatal(err)
		}
	}
}
