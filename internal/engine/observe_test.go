package engine

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
)

// recorder is an Observer that writes down what it is shown, in order.
type recorder struct {
	mu         sync.Mutex
	calls      []string
	committing map[*store.OrchestrationCommit]bool
	sent       []*store.Message
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
}

func (r *recorder) Creating(ctx context.Context, start *history.Event) {
	r.add("creating " + start.Name)
	start.ParentTraceContext = &history.TraceContext{TraceParent: "stamped"}
}

func (r *recorder) Sending(ctx context.Context, m *store.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
}

func (r *recorder) Committing(wi *store.OrchestrationWorkItem, kind store.WorkKind, c *store.OrchestrationCommit, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.committing[c] = true
	r.calls = append(r.calls, "committing "+wi.InstanceID)
}

func (r *recorder) Committed(wi *store.OrchestrationWorkItem, kind store.WorkKind, c *store.OrchestrationCommit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.committing[c] {
		r.calls = append(r.calls, "committed without committing "+wi.InstanceID)
	}
	delete(r.committing, c)
	r.calls = append(r.calls, "committed "+wi.InstanceID)
}

func (r *recorder) ActivityStarting(ctx context.Context, wi *store.ActivityWorkItem) context.Context {
	return ctx
}

func (r *recorder) ActivityDone(context.Context, *store.ActivityWorkItem, *history.Event, time.Time) {
}

// The observer sees a client's create and send, and every commit twice:
// before the store writes it and after, in that order, once each.
func TestTheObserverSeesEachCommitBeforeAndAfterItIsWritten(t *testing.T) {
	be := memory.New()
	rec := &recorder{committing: map[*store.OrchestrationCommit]bool{}}
	e := New(be, echo{}, Options{Observer: rec})
	e.Start()
	ctx := context.Background()
	start := history.NewExecutionStarted(time.Now().UTC(), "Echo", "x", "x-1", `"in"`, nil, nil)
	e.ObserveCreate(ctx, start)
	if err := be.CreateInstance(ctx, start, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitCompleted(t, be, "x")
	m := store.Message{InstanceID: "x", Event: history.NewEventRaised(time.Now().UTC(), "Late", "1")}
	e.ObserveSend(ctx, &m)
	if err := e.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	want := []string{"creating Echo", "committing x", "committed x"}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.calls) != len(want) {
		t.Fatalf("calls %q, want %q", rec.calls, want)
	}
	for i := range want {
		if rec.calls[i] != want[i] {
			t.Fatalf("calls %q, want %q", rec.calls, want)
		}
	}
	if len(rec.committing) != 0 {
		t.Errorf("%d commits shown before writing were never reported written", len(rec.committing))
	}
	h, err := be.GetHistory(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	stamped := false
	for _, ev := range h {
		if ev.EventType == history.ExecutionStarted {
			stamped = ev.ParentTraceContext != nil && ev.ParentTraceContext.TraceParent == "stamped"
		}
	}
	if !stamped {
		t.Error("the stamp Creating put on the start was not stored")
	}
	if len(rec.sent) != 1 || rec.sent[0] != &m {
		t.Errorf("Sending saw %v, want the message", rec.sent)
	}
}

func TestANilEngineOrNoObserverObservesNothing(t *testing.T) {
	var e *Engine
	start := history.NewExecutionStarted(time.Now().UTC(), "Echo", "x", "x-1", "", nil, nil)
	e.ObserveCreate(context.Background(), start)
	e.ObserveSend(context.Background(), &store.Message{InstanceID: "x", Event: start})
	e = New(memory.New(), echo{}, Options{})
	e.ObserveCreate(context.Background(), start)
	if start.ParentTraceContext != nil {
		t.Error("a start was stamped with no observer")
	}
}
