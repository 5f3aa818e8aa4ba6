package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
)

// echo is an executor whose only orchestrator returns its input.
type echo struct{}

func (echo) RunOrchestration(name string, ep replay.Episode, opts replay.Options) *replay.Result {
	return replay.Execute(func(c *replay.Context) (any, error) {
		var in any
		err := c.GetInput(&in)
		return in, err
	}, ep, opts)
}

func (echo) RunActivity(context.Context, string, string, string) (string, *history.FailureDetails) {
	return "", nil
}

func waitCompleted(t *testing.T, be store.Store, id string) *store.Instance {
	t.Helper()
	return waitCompletedWithin(t, be, id, 5*time.Second)
}

func waitCompletedWithin(t *testing.T, be store.Store, id string, d time.Duration) *store.Instance {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		inst, err := be.GetInstance(context.Background(), id)
		if err == nil && inst.Status == history.StatusCompleted {
			return inst
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s never completed: %+v %v", id, inst, err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAStartOlderThanTheCurrentExecutionDoesNotReplaceIt(t *testing.T) {
	be := memory.New()
	e := New(be, echo{}, Options{})
	e.Start()
	defer e.Stop(context.Background())
	ctx := context.Background()
	staleAt := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	if err := be.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "Echo", "x", "exec-b", `"second"`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	done := waitCompleted(t, be, "x")
	// The start a dead creator queued before the row of exec-b was written.
	stale := history.NewExecutionStarted(staleAt, "Echo", "x", "exec-a", `"first"`, nil, nil)
	if err := be.SendMessages(ctx, store.Message{InstanceID: "x", ExecutionID: "exec-a", Event: stale}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, be)
	inst, err := be.GetInstance(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if inst.ExecutionID != "exec-b" || inst.Output != `"second"` || !inst.LastUpdatedAt.Equal(done.LastUpdatedAt) {
		t.Fatalf("the stale start replaced the execution: %+v", inst)
	}
	// A genuine replacement, made after exec-b finished, still replaces it.
	if err := be.CreateInstance(ctx, history.NewExecutionStarted(time.Now().UTC(), "Echo", "x", "exec-c", `"third"`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if inst := waitCompleted(t, be, "x"); inst.ExecutionID != "exec-c" || inst.Output != `"third"` {
		t.Fatalf("the replacement did not run: %+v", inst)
	}
}

// waitIdle waits until the memory store has no work visible or in flight.
func waitIdle(t *testing.T, be *memory.Store) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for be.Quiet().Busy {
		if time.Now().After(deadline) {
			t.Fatal("the engine never went idle")
		}
		time.Sleep(time.Millisecond)
	}
}

// flakyStore fails the first commit of each kind as an unreachable store
// would, without applying it.
type flakyStore struct {
	*memory.Store
	orchFails, actFails atomic.Int32
}

var errUnreachable = errors.New("dial tcp: connection refused")

func (f *flakyStore) CompleteOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) error {
	if f.orchFails.Add(-1) >= 0 {
		return errUnreachable
	}
	return f.Store.CompleteOrchestrationWorkItem(ctx, wi, c)
}

func (f *flakyStore) CompleteActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	if f.actFails.Add(-1) >= 0 {
		return errUnreachable
	}
	return f.Store.CompleteActivityWorkItem(ctx, wi, result)
}

// callsOne is an executor whose orchestrator returns the result of one
// activity, which counts its runs.
type callsOne struct{ runs atomic.Int32 }

func (c *callsOne) RunOrchestration(name string, ep replay.Episode, opts replay.Options) *replay.Result {
	return replay.Execute(func(ctx *replay.Context) (any, error) {
		var out string
		err := ctx.CallActivity("Hello", nil, nil).Await(&out)
		return out, err
	}, ep, opts)
}

func (c *callsOne) RunActivity(context.Context, string, string, string) (string, *history.FailureDetails) {
	c.runs.Add(1)
	return `"hello"`, nil
}

func TestCommitsThatFailBecauseTheStoreIsUnreachableAreRetried(t *testing.T) {
	be := &flakyStore{Store: memory.New()}
	be.orchFails.Store(1)
	be.actFails.Store(1)
	exec := &callsOne{}
	e := New(be, exec, Options{})
	e.Start()
	defer e.Stop(context.Background())
	if err := be.CreateInstance(context.Background(), history.NewExecutionStarted(time.Now().UTC(), "CallsOne", "i", "e1", "", nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	inst := waitCompletedWithin(t, be, "i", 30*time.Second)
	if inst.Output != `"hello"` {
		t.Fatalf("output %s, want \"hello\"", inst.Output)
	}
	if n := exec.runs.Load(); n != 1 {
		t.Fatalf("the activity ran %d times; its result should have been retried, not the activity", n)
	}
}
