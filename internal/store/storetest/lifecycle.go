package storetest

import (
	"context"
	"errors"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// blockedNexts starts one blocked call of each Next method and returns a
// channel that receives their errors.
func (e *env) blockedNexts(ctx context.Context) <-chan error {
	errs := make(chan error, 3)
	go func() {
		_, err := e.b.NextOrchestrationWorkItem(ctx, store.Orchestrations)
		errs <- err
	}()
	go func() {
		_, err := e.b.NextOrchestrationWorkItem(ctx, store.Entities)
		errs <- err
	}()
	go func() {
		_, err := e.b.NextActivityWorkItem(ctx)
		errs <- err
	}()
	time.Sleep(20 * time.Millisecond) // let them block
	return errs
}

func (e *env) expectErrs(errs <-chan error, want error) {
	e.t.Helper()
	for range 3 {
		select {
		case err := <-errs:
			e.isErr("blocked Next", err, want)
		case <-time.After(waitLimit):
			e.t.Fatalf("a blocked Next did not return %v", want)
		}
	}
}

var lifecycleTests = []test{
	{"Blocked Next calls return ctx.Err() when their context is canceled", func(e *env) {
		e.send(store.Message{InstanceID: "future", Event: history.NewEventRaised(e.now(), "e", ""), VisibleAt: e.now().Add(time.Hour)})
		ctx, cancel := context.WithCancel(e.ctx)
		errs := e.blockedNexts(ctx)
		cancel()
		e.expectErrs(errs, context.Canceled)
		_, err := e.b.NextOrchestrationWorkItem(ctx, store.Orchestrations)
		e.isErr("Next with a canceled context", err, context.Canceled)
		_, err = e.b.NextActivityWorkItem(ctx)
		e.isErr("NextActivity with a canceled context", err, context.Canceled)
	}},
	{"Close makes blocked and later calls fail with ErrClosed", func(e *env) {
		e.create("x")
		e.nextFor("x")
		errs := e.blockedNexts(e.ctx)
		if err := e.b.Close(); err != nil {
			e.t.Fatal(err)
		}
		e.expectErrs(errs, store.ErrClosed)
		_, err := e.b.NextOrchestrationWorkItem(e.ctx, store.Orchestrations)
		e.isErr("Next after Close", err, store.ErrClosed)
		_, err = e.b.NextActivityWorkItem(e.ctx)
		e.isErr("NextActivity after Close", err, store.ErrClosed)
		err = e.b.CreateInstance(e.ctx, e.startEvent("y", "y-1", "Orch", ""), store.CreateOptions{})
		e.isErr("CreateInstance after Close", err, store.ErrClosed)
		err = e.b.SendMessages(e.ctx, e.raise("y", "e", ""))
		e.isErr("SendMessages after Close", err, store.ErrClosed)
		if err := e.b.Close(); err != nil {
			e.t.Fatalf("second Close: %v", err)
		}
	}},
	{"Operations on a canceled context fail without effect", func(e *env) {
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		err := e.b.CreateInstance(ctx, e.startEvent("c", "c-1", "Orch", ""), store.CreateOptions{})
		if !errors.Is(err, context.Canceled) {
			e.t.Fatalf("CreateInstance with a canceled context = %v, want context.Canceled", err)
		}
		e.notFound("c")
		e.noWork(store.Orchestrations)
	}},
}

var restartTests = []test{
	{"Due timers, undelivered messages and activities survive a restart", func(e *env) {
		e.create("a")
		wi := e.nextFor("a")
		fireAt := e.now().Add(time.Hour)
		sched := history.NewTaskScheduled(e.now(), 0, "Act", `1`)
		hist := e.episode(wi, sched, history.NewTimerCreated(e.now(), 1, fireAt))
		toB := e.raise("b", "hello", `"b"`)
		e.commit(wi, &store.OrchestrationCommit{
			Instance:   e.row(wi, history.StatusRunning),
			NewHistory: hist,
			Messages: []store.Message{
				{InstanceID: "a", ExecutionID: "a-1", Event: history.NewTimerFired(e.now(), 1, fireAt), VisibleAt: fireAt},
				toB,
			},
			Activities: []*history.Event{sched},
		})
		e.reopen()
		e.sameEvents("history after restart", e.history("a"), hist)
		wb := e.nextFor("b")
		e.sameEvents("message to b after restart", messageEvents(wb.Messages), []*history.Event{toB.Event})
		e.commit(wb, &store.OrchestrationCommit{})
		act := e.nextActivity()
		e.sameEvents("activity after restart", []*history.Event{act.Event}, []*history.Event{sched})
		e.noWork(store.Orchestrations)

		e.reopen()
		e.clk.Advance(time.Hour) // the timer fell due while the store was down
		wt := e.nextFor("a")
		if len(wt.Messages) != 1 || wt.Messages[0].Event.EventType != history.TimerFired {
			e.t.Fatalf("after restart got %v, want the TimerFired", messageEvents(wt.Messages))
		}
		// The activity locked before the restart is available again.
		act2 := e.nextActivity()
		if act2.DequeueCount < 2 {
			e.t.Fatalf("redelivered activity has DequeueCount %d, want at least 2", act2.DequeueCount)
		}
	}},
	{"A timer that falls due after a restart wakes a blocked Next", func(e *env) {
		e.send(store.Message{InstanceID: "t", Event: history.NewEventRaised(e.now(), "later", ""), VisibleAt: e.now().Add(time.Minute)})
		e.reopen()
		e.noWork(store.Orchestrations)
		wi := e.nextAfter(store.Orchestrations, time.Minute)
		if wi.InstanceID != "t" {
			e.t.Fatalf("work item for %q, want t", wi.InstanceID)
		}
	}},
	{"Work items locked when the store stopped are delivered again after a restart", func(e *env) {
		start := e.create("l")
		wi := e.nextFor("l")
		e.reopen()
		again := e.nextFor("l")
		e.sameEvents("redelivered messages", messageEvents(again.Messages), []*history.Event{start})
		if again.Messages[0].DequeueCount < 2 {
			e.t.Fatalf("DequeueCount = %d, want at least 2", again.Messages[0].DequeueCount)
		}
		err := e.b.CompleteOrchestrationWorkItem(e.ctx, wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		e.isErr("commit of a work item from before the restart", err, store.ErrWorkItemLost)
		e.commit(again, &store.OrchestrationCommit{Instance: e.row(again, history.StatusCompleted), NewHistory: e.episode(again)})
		e.reopen()
		if got := e.instance("l"); got.Status != history.StatusCompleted {
			e.t.Fatalf("status after restart = %v, want Completed", got.Status)
		}
	}},
}
