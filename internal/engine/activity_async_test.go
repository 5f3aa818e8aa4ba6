package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// fanOutOf is an executor whose orchestrator schedules n activities at
// once and returns the sum of their results; the activity returns its
// input.
type fanOutOf int

func (n fanOutOf) RunOrchestration(name string, ep replay.Episode, opts replay.Options) *replay.Result {
	return replay.Execute(func(c *replay.Context) (any, error) {
		tasks := make([]*replay.Task, n)
		for i := range tasks {
			tasks[i] = c.CallActivity("Act", i+1, nil)
		}
		sum := 0
		for _, t := range tasks {
			var v int
			if err := t.Await(&v); err != nil {
				return nil, err
			}
			sum += v
		}
		return sum, nil
	}, ep, opts)
}

func (fanOutOf) RunActivity(_ context.Context, _, _, input string) (string, *history.FailureDetails) {
	return input, nil
}

// failingAsync is a store whose queued results fail their first
// `failures` commits without writing anything, as a failed transaction
// does, and which counts the calls of either completion path.
type failingAsync struct {
	countingStore
	failures     atomic.Int64
	asyncResults atomic.Int64
}

var errInjected = errors.New("injected commit failure")

func (f *failingAsync) CompleteActivityWorkItemAsync(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event, then func(error)) error {
	f.asyncResults.Add(1)
	if f.failures.Add(-1) >= 0 {
		go then(errInjected) // then runs on a store goroutine, never the caller's
		return nil
	}
	return f.countingStore.Store.CompleteActivityWorkItemAsync(ctx, wi, result, then)
}

// runFanOut starts a fan-out of n over be and waits for its output.
func runFanOut(t *testing.T, be store.Store, n int) *store.Instance {
	t.Helper()
	e := New(be, fanOutOf(n), Options{})
	e.Start()
	defer e.Stop(context.Background())
	ctx := context.Background()
	if err := e.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "Fan", "fan", NewExecutionID(), `0`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return waitCompleted(t, be, "fan")
}

func TestAFanOutsResultsAreQueuedForTheGroupCommitAndAFailedCommitFallsBackToTheWaitingPath(t *testing.T) {
	const n = 40
	want := fmt.Sprint(n * (n + 1) / 2)
	t.Run("no failure: no worker waits for a commit of its own", func(t *testing.T) {
		be := &failingAsync{countingStore: countingStore{Store: openSQLite(t)}}
		if got := runFanOut(t, be, n); got.Status != history.StatusCompleted || got.Output != want {
			t.Fatalf("instance ended %v with %q, want Completed %s", got.Status, got.Output, want)
		}
		if sync, async := be.results.Load(), be.asyncResults.Load(); sync != 0 || async == 0 {
			t.Errorf("CompleteActivityWorkItem %d times, the queued path %d times; want 0 and some", sync, async)
		}
	})
	t.Run("failed commits: those results are stored by the waiting path, once each", func(t *testing.T) {
		be := &failingAsync{countingStore: countingStore{Store: openSQLite(t)}}
		be.failures.Store(5)
		if got := runFanOut(t, be, n); got.Status != history.StatusCompleted || got.Output != want {
			t.Fatalf("instance ended %v with %q, want Completed %s", got.Status, got.Output, want)
		}
		if sync := be.results.Load(); sync != 5 {
			t.Errorf("CompleteActivityWorkItem %d times, want 5: one per failed commit", sync)
		}
		h, err := be.GetHistory(context.Background(), "fan")
		if err != nil {
			t.Fatal(err)
		}
		done := map[int]int{}
		for _, ev := range h {
			if ev.EventType == history.TaskCompleted {
				done[ev.TaskScheduledID]++
			}
		}
		for id, c := range done {
			if c != 1 {
				t.Errorf("task %d completed %d times", id, c)
			}
		}
		if len(done) != n {
			t.Errorf("%d tasks completed, want %d", len(done), n)
		}
	})
}

func TestHandOffsDoNotWaitForTheInlineStartsSlots(t *testing.T) {
	be := &failingAsync{countingStore: countingStore{Store: openSQLite(t)}}
	e := New(be, oneActivity{}, Options{MaxConcurrentOrchestrations: 2})
	// Every inline slot is taken, as by a burst of starts waiting for one.
	for i := 0; i < cap(e.inline); i++ {
		e.inline <- struct{}{}
	}
	e.Start()
	defer e.Stop(context.Background())
	ctx := context.Background()
	// The dispatchers run the first episode, since the inline path is
	// full (the engine's CreateInstance would wait for a slot).
	if err := be.Store.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "One", "one", NewExecutionID(), `0`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := waitCompleted(t, be, "one"); got.Output != "7" {
		t.Fatalf("output %q, want 7", got.Output)
	}
	if sync, async := be.results.Load(), be.asyncResults.Load(); sync != 0 || async != 0 {
		t.Errorf("the result was queued (CompleteActivityWorkItem %d, queued path %d), want the hand-off", sync, async)
	}
}

// holdingAsync is a store that keeps queued results to itself, as a
// writer far behind would, until released.
type holdingAsync struct {
	countingStore
	mu   sync.Mutex
	held []func()
}

func (h *holdingAsync) CompleteActivityWorkItemAsync(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event, then func(error)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held = append(h.held, func() { _ = h.countingStore.Store.CompleteActivityWorkItemAsync(ctx, wi, result, then) })
	return nil
}

func (h *holdingAsync) release() int {
	h.mu.Lock()
	held := h.held
	h.held = nil
	h.mu.Unlock()
	for _, f := range held {
		f()
	}
	return len(held)
}

func TestResultsThatOutrunTheWriterWaitForTheirCommitInsteadOfPilingUp(t *testing.T) {
	const n = 40
	be := &holdingAsync{countingStore: countingStore{Store: openSQLite(t)}}
	e := New(be, fanOutOf(n), Options{MaxConcurrentActivities: 1})
	e.Start()
	defer e.Stop(context.Background())
	ctx := context.Background()
	if err := e.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "Fan", "fan", NewExecutionID(), `0`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	limit := int64(cap(e.queued))
	deadline := time.Now().Add(30 * time.Second)
	for be.results.Load() < n-limit && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if sync := be.results.Load(); sync != n-limit {
		t.Fatalf("%d results waited for their commit, want %d: all but the %d queued", sync, n-limit, limit)
	}
	if held := be.release(); int64(held) != limit {
		t.Errorf("%d results were queued, want %d", held, limit)
	}
	if got := waitCompleted(t, be, "fan"); got.Output != fmt.Sprint(n*(n+1)/2) {
		t.Fatalf("output %q, want %d", got.Output, n*(n+1)/2)
	}
}
