package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

// oneActivity is an executor whose orchestrator calls one activity and
// returns its result, and whose activity returns its input.
type oneActivity struct{}

func (oneActivity) RunOrchestration(name string, ep replay.Episode, opts replay.Options) *replay.Result {
	return replay.Execute(func(c *replay.Context) (any, error) {
		var v int
		err := c.CallActivity("Act", 7, nil).Await(&v)
		return v, err
	}, ep, opts)
}

func (oneActivity) RunActivity(_ context.Context, _, _, input string) (string, *history.FailureDetails) {
	return input, nil
}

// countingStore counts the slow-path calls the fast paths replace; the
// embedded store keeps its optional capabilities.
type countingStore struct {
	*sqlite.Store
	creates, results atomic.Int64
}

func (c *countingStore) CreateInstance(ctx context.Context, start *history.Event, opts store.CreateOptions) error {
	c.creates.Add(1)
	return c.Store.CreateInstance(ctx, start, opts)
}

func (c *countingStore) CompleteActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	c.results.Add(1)
	return c.Store.CompleteActivityWorkItem(ctx, wi, result)
}

func openSQLite(tb testing.TB) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "engine.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// startAndWait starts instance id through the engine and waits for the
// engine to commit its completion.
func startAndWait(ctx context.Context, e *Engine, id string) error {
	finished := e.Finished(id)
	if err := e.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "One", id, NewExecutionID(), `0`, nil, nil), store.CreateOptions{}); err != nil {
		return err
	}
	for {
		inst, err := e.Store().GetInstance(ctx, id)
		if err == nil && inst.Status.IsTerminal() {
			e.Forget(id, finished)
			if inst.Status != history.StatusCompleted || inst.Output != "7" {
				return fmt.Errorf("instance %s ended %v with %q", id, inst.Status, inst.Output)
			}
			return nil
		}
		select {
		case <-finished:
			finished = e.Finished(id)
		case <-time.After(time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func TestTheFastPathsCarryAOneActivityOrchestrationWithoutQueueingItsStartOrResult(t *testing.T) {
	be := &countingStore{Store: openSQLite(t)}
	e := New(be, oneActivity{}, Options{})
	e.Start()
	defer e.Stop(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := startAndWait(ctx, e, "one"); err != nil {
		t.Fatal(err)
	}
	if n := be.creates.Load(); n != 0 {
		t.Errorf("the start went through CreateInstance %d times, want the inline path", n)
	}
	if n := be.results.Load(); n != 0 {
		t.Errorf("the result went through CompleteActivityWorkItem %d times, want the hand-off", n)
	}
	h, err := be.GetHistory(ctx, "one")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[history.EventType]int{}
	for _, ev := range h {
		counts[ev.EventType]++
	}
	if counts[history.ExecutionStarted] != 1 || counts[history.TaskScheduled] != 1 || counts[history.TaskCompleted] != 1 || counts[history.ExecutionCompleted] != 1 {
		t.Errorf("history counts %v, want one start, schedule, completion and end", counts)
	}
}

func TestAStoppedEngineStartsInstancesForTheDispatchers(t *testing.T) {
	be := &countingStore{Store: openSQLite(t)}
	e := New(be, oneActivity{}, Options{})
	ctx := context.Background()
	if err := e.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "One", "later", NewExecutionID(), `0`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := be.creates.Load(); n != 1 {
		t.Fatalf("CreateInstance calls = %d, want 1: an engine that is not running runs no episode", n)
	}
	if inst, err := be.GetInstance(ctx, "later"); err != nil || inst.Status != history.StatusPending {
		t.Fatalf("GetInstance = %+v, %v; want Pending", inst, err)
	}
	e.Start()
	defer e.Stop(context.Background())
	if got := waitCompleted(t, be, "later"); got.Output != "7" {
		t.Errorf("output = %q, want 7", got.Output)
	}
}

// BenchmarkEngineOneActivityLatency measures start → Completed of a
// one-activity orchestration through the engine over a SQLite file, one
// at a time: the inline start and the result hand-off, end to end.
func BenchmarkEngineOneActivityLatency(b *testing.B) {
	e := New(openSQLite(b), oneActivity{}, Options{})
	e.Start()
	defer e.Stop(context.Background())
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := startAndWait(ctx, e, fmt.Sprintf("l%d", i)); err != nil {
			b.Fatal(err)
		}
	}
}
