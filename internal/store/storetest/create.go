package storetest

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

var createTests = []test{
	{"CreateInstance writes a Pending row and delivers the start message", func(e *env) {
		parent := &history.ParentInstance{Name: "P", TaskScheduleID: 3, OrchestrationInstance: &history.OrchestrationInstance{InstanceID: "p", ExecutionID: "p-1"}}
		start := history.NewExecutionStarted(e.now(), "Orch", "a", "a-1", `{"x":1}`, parent, nil)
		if err := e.b.CreateInstance(e.ctx, start, store.CreateOptions{}); err != nil {
			e.t.Fatal(err)
		}
		want := &store.Instance{InstanceID: "a", ExecutionID: "a-1", Name: "Orch", Status: history.StatusPending,
			Input: `{"x":1}`, CreatedAt: e.now(), LastUpdatedAt: e.now(), ParentInstance: "p", ParentExecution: "p-1"}
		e.sameRow(e.instance("a"), want)
		e.sameEvents("history before the first work item", e.history("a"), nil)
		wi := e.nextFor("a")
		e.sameRow(wi.Instance, want)
		e.sameEvents("work item messages", messageEvents(wi.Messages), []*history.Event{start})
		m := wi.Messages[0]
		if m.InstanceID != "a" || m.ExecutionID != "a-1" || m.ID == "" || m.DequeueCount != 1 {
			e.t.Fatalf("start message = %+v, want instance a, execution a-1, an ID and DequeueCount 1", m)
		}
		if len(wi.History) != 0 {
			e.t.Fatalf("work item history has %d events, want none", len(wi.History))
		}
	}},
	{"CreateInstance refuses an active instance with ErrInstanceExists", func(e *env) {
		// Pending last: its start message stays queued.
		for _, st := range []history.RuntimeStatus{history.StatusRunning, history.StatusSuspended, history.StatusContinuedAsNew, history.StatusPending} {
			id := "active-" + st.String()
			e.create(id)
			if st != history.StatusPending {
				wi := e.nextFor(id)
				e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, st), NewHistory: e.episode(wi)})
			}
			err := e.b.CreateInstance(e.ctx, e.startEvent(id, id+"-2", "Orch", ""), store.CreateOptions{})
			e.isErr("CreateInstance of a "+st.String()+" instance", err, store.ErrInstanceExists)
			if got := e.instance(id); got.ExecutionID != id+"-1" || got.Status != st {
				e.t.Fatalf("refused create changed the row: %+v", got)
			}
		}
	}},
	{"CreateInstance replaces a finished instance with a new execution", func(e *env) {
		for _, st := range []history.RuntimeStatus{history.StatusCompleted, history.StatusFailed, history.StatusTerminated, history.StatusCanceled} {
			id := "done-" + st.String()
			e.finish(id, st)
			e.send(e.raise(id, "late", `1`)) // a leftover message for the old execution
			e.clk.Advance(time.Second)
			start := e.startEvent(id, id+"-2", "Orch2", `"again"`)
			if err := e.b.CreateInstance(e.ctx, start, store.CreateOptions{}); err != nil {
				e.t.Fatalf("CreateInstance over a %v instance: %v", st, err)
			}
			e.sameRow(e.instance(id), &store.Instance{InstanceID: id, ExecutionID: id + "-2", Name: "Orch2", Status: history.StatusPending,
				Input: `"again"`, CreatedAt: e.now(), LastUpdatedAt: e.now()})
			e.sameEvents("history of the new execution", e.history(id), nil)
			wi := e.nextFor(id)
			e.sameEvents("messages of the new execution", messageEvents(wi.Messages), []*history.Event{start})
			if len(wi.History) != 0 {
				e.t.Fatalf("new execution's work item carries %d old history events", len(wi.History))
			}
			e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusCompleted), NewHistory: e.episode(wi)})
		}
	}},
	{"CreateInstance honours custom DedupeStatuses", func(e *env) {
		e.finish("c", history.StatusCompleted)
		err := e.b.CreateInstance(e.ctx, e.startEvent("c", "c-2", "Orch", ""), store.CreateOptions{DedupeStatuses: []history.RuntimeStatus{history.StatusCompleted}})
		e.isErr("CreateInstance over Completed with DedupeStatuses [Completed]", err, store.ErrInstanceExists)

		e.create("r")
		wi := e.nextFor("r")
		e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		start := e.startEvent("r", "r-2", "Orch", "")
		if err := e.b.CreateInstance(e.ctx, start, store.CreateOptions{DedupeStatuses: []history.RuntimeStatus{}}); err != nil {
			e.t.Fatalf("CreateInstance over Running with empty DedupeStatuses: %v", err)
		}
		if got := e.instance("r"); got.ExecutionID != "r-2" || got.Status != history.StatusPending {
			e.t.Fatalf("replaced row = %+v, want execution r-2 Pending", got)
		}
		e.sameEvents("history after replacing", e.history("r"), nil)
		wi = e.nextFor("r")
		e.sameEvents("messages after replacing", messageEvents(wi.Messages), []*history.Event{start})
	}},
	{"Only one of 20 concurrent CreateInstance calls with the same id succeeds", func(e *env) {
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		gate := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				errs[i] = e.b.CreateInstance(context.Background(), e.startEvent("same", "same-x", "Orch", ""), store.CreateOptions{})
			}()
		}
		close(gate)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrInstanceExists):
				e.t.Fatalf("CreateInstance: %v, want nil or ErrInstanceExists", err)
			}
		}
		if ok != 1 {
			e.t.Fatalf("%d calls succeeded, want exactly 1", ok)
		}
		wi := e.nextFor("same")
		if len(wi.Messages) != 1 {
			e.t.Fatalf("%d start messages queued, want 1", len(wi.Messages))
		}
	}},
	{"A scheduled start is not delivered before VisibleAt", func(e *env) {
		at := e.now().Add(time.Hour)
		start := history.NewExecutionStarted(e.now(), "Orch", "s", "s-1", "", nil, &at)
		if err := e.b.CreateInstance(e.ctx, start, store.CreateOptions{VisibleAt: at}); err != nil {
			e.t.Fatal(err)
		}
		inst := e.instance("s")
		if inst.Status != history.StatusPending || !inst.ScheduledStart.Equal(at) {
			e.t.Fatalf("row = status %v scheduled %v, want Pending scheduled %v", inst.Status, inst.ScheduledStart, at)
		}
		e.noWork(store.Orchestrations)
		e.clk.Advance(59 * time.Minute)
		e.noWork(store.Orchestrations)
		wi := e.nextAfter(store.Orchestrations, time.Minute)
		if wi.InstanceID != "s" || len(wi.Messages) != 1 || wi.Messages[0].Event.EventType != history.ExecutionStarted {
			e.t.Fatalf("work item %q with %d messages, want s's start", wi.InstanceID, len(wi.Messages))
		}
		if e.now().Before(at) {
			e.t.Fatalf("delivered at %v, before %v", e.now(), at)
		}
	}},
	{"An event sent before the first work item is delivered with the start message", func(e *env) {
		start := e.create("ev")
		ev := e.raise("ev", "Approval", `true`)
		e.send(ev)
		wi := e.nextFor("ev")
		e.sameEvents("first work item", messageEvents(wi.Messages), []*history.Event{start, ev.Event})
	}},
	{"CreateInstance rejects a start event that names no instance", func(e *env) {
		bad := []*history.Event{nil, history.NewEventRaised(e.now(), "x", ""), history.NewExecutionStarted(e.now(), "Orch", "", "x-1", "", nil, nil)}
		for _, ev := range bad {
			if err := e.b.CreateInstance(e.ctx, ev, store.CreateOptions{}); err == nil {
				e.t.Fatalf("CreateInstance(%+v) succeeded", ev)
			}
		}
		e.noWork(store.Orchestrations)
	}},
}
