package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

var workItemTests = []test{
	{"An instance is never in two work items at once", func(e *env) {
		const instances, perInstance, workers = 4, 150, 8
		ctx, cancel := context.WithTimeout(e.ctx, 4*waitLimit)
		defer cancel()
		var (
			mu       sync.Mutex
			inFlight = map[string]bool{}
			got      = map[string][]string{}
			total    int
			failure  error
			done     = make(chan struct{})
		)
		fail := func(err error) {
			mu.Lock()
			if failure == nil {
				failure = err
			}
			mu.Unlock()
			cancel()
		}
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					wi, err := e.b.NextOrchestrationWorkItem(ctx, store.Orchestrations)
					if err != nil {
						if ctx.Err() == nil {
							fail(err)
						}
						return
					}
					mu.Lock()
					if inFlight[wi.InstanceID] {
						mu.Unlock()
						fail(fmt.Errorf("instance %q handed to two workers at once", wi.InstanceID))
						return
					}
					inFlight[wi.InstanceID] = true
					mu.Unlock()
					time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
					mu.Lock()
					for _, m := range wi.Messages {
						got[wi.InstanceID] = append(got[wi.InstanceID], m.Event.Input)
					}
					total += len(wi.Messages)
					inFlight[wi.InstanceID] = false
					if total == instances*perInstance {
						close(done)
					}
					mu.Unlock()
					if err := e.b.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{}); err != nil && ctx.Err() == nil {
						fail(fmt.Errorf("commit %q: %w", wi.InstanceID, err))
						return
					}
				}
			}()
		}
		for i := range instances {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := "i" + strconv.Itoa(i)
				for n := range perInstance {
					if err := e.b.SendMessages(ctx, e.raise(id, "e", strconv.Itoa(n))); err != nil {
						fail(err)
						return
					}
				}
			}()
		}
		select {
		case <-done:
		case <-ctx.Done():
		}
		cancel()
		wg.Wait()
		if failure != nil {
			e.t.Fatal(failure)
		}
		for i := range instances {
			id := "i" + strconv.Itoa(i)
			if len(got[id]) != perInstance {
				e.t.Fatalf("instance %s received %d messages, want %d", id, len(got[id]), perInstance)
			}
			for n, in := range got[id] {
				if in != strconv.Itoa(n) {
					e.t.Fatalf("instance %s: message %d is %s: out of order or duplicated", id, n, in)
				}
			}
		}
	}},
	{"Messages of one instance are delivered in the order they were sent", func(e *env) {
		start := e.create("o")
		want := []*history.Event{start}
		for i := range 30 {
			m := e.raise("o", "e", strconv.Itoa(i))
			want = append(want, m.Event)
			e.send(m)
		}
		var got []*history.Event
		for len(got) < len(want) {
			wi := e.nextFor("o")
			got = append(got, messageEvents(wi.Messages)...)
			e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		}
		e.sameEvents("delivered messages", got, want)
	}},
	{"Messages that arrive while the instance is locked come in the next work item", func(e *env) {
		start := e.create("l")
		wi := e.nextFor("l")
		late := e.raise("l", "late", `1`)
		e.send(late)
		e.noWork(store.Orchestrations)
		e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		wi2 := e.nextFor("l")
		e.sameEvents("second work item", messageEvents(wi2.Messages), []*history.Event{late.Event})
		e.sameEvents("second work item history", wi2.History, e.history("l"))
		if len(wi2.History) == 0 || wi2.History[1].EventType != start.EventType {
			e.t.Fatalf("second work item history does not hold the first episode")
		}
	}},
	{"A commit writes history, row, messages, timers and activities together", func(e *env) {
		e.create("a")
		wi := e.nextFor("a")
		fireAt := e.now().Add(10 * time.Minute)
		sched := history.NewTaskScheduled(e.now(), 0, "Act", `5`)
		timer := history.NewTimerCreated(e.now(), 1, fireAt)
		child := history.NewExecutionStarted(e.now(), "Child", "b", "b-1", `"c"`, &history.ParentInstance{TaskScheduleID: 2, OrchestrationInstance: &history.OrchestrationInstance{InstanceID: "a", ExecutionID: "a-1"}}, nil)
		hist := e.episode(wi, sched, timer)
		row := e.row(wi, history.StatusRunning)
		row.CustomStatus = `"busy"`
		e.commit(wi, &store.OrchestrationCommit{
			Instance:   row,
			NewHistory: hist,
			Messages: []store.Message{
				{InstanceID: "b", ExecutionID: "b-1", Event: child},
				{InstanceID: "a", ExecutionID: "a-1", Event: history.NewTimerFired(e.now(), 1, fireAt), VisibleAt: fireAt},
			},
			Activities: []*history.Event{sched},
		})
		e.sameRow(e.instance("a"), row)
		e.sameEvents("history", e.history("a"), hist)

		wb := e.nextFor("b")
		e.sameEvents("child's messages", messageEvents(wb.Messages), []*history.Event{child})
		if wb.Instance != nil {
			e.t.Fatalf("child has a row before any commit: %+v", wb.Instance)
		}
		e.commit(wb, &store.OrchestrationCommit{Instance: e.row(wb, history.StatusRunning), NewHistory: e.episode(wb)})

		act := e.nextActivity()
		if act.InstanceID != "a" || act.ExecutionID != "a-1" || act.DequeueCount != 1 {
			e.t.Fatalf("activity = %+v, want instance a execution a-1 DequeueCount 1", act)
		}
		e.sameEvents("activity request", []*history.Event{act.Event}, []*history.Event{sched})

		e.noWork(store.Orchestrations) // the timer is not due
		e.clk.Advance(9 * time.Minute)
		e.noWork(store.Orchestrations)
		wt := e.nextAfter(store.Orchestrations, time.Minute)
		if wt.InstanceID != "a" || len(wt.Messages) != 1 || wt.Messages[0].Event.EventType != history.TimerFired {
			e.t.Fatalf("work item %q with %v, want a's TimerFired", wt.InstanceID, messageEvents(wt.Messages))
		}
		e.sameEvents("work item history", wt.History, hist)
	}},
	{"ReplaceHistory discards the stored history before appending", func(e *env) {
		e.create("c")
		wi := e.nextFor("c")
		e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		next := e.startEvent("c", "c-2", "Orch", `"gen2"`)
		e.send(store.Message{InstanceID: "c", Event: history.NewEventRaised(e.now(), "go", "")})
		wi = e.nextFor("c")
		fresh := []*history.Event{history.NewOrchestratorStarted(e.now()), next, history.NewOrchestratorCompleted(e.now())}
		row := e.row(wi, history.StatusRunning)
		row.ExecutionID = "c-2"
		e.commit(wi, &store.OrchestrationCommit{Instance: row, ReplaceHistory: true, NewHistory: fresh})
		e.sameEvents("history after replace", e.history("c"), fresh)
		if got := e.instance("c").ExecutionID; got != "c-2" {
			e.t.Fatalf("execution = %q, want c-2", got)
		}
	}},
	{"A commit after the work item was abandoned fails with ErrWorkItemLost and changes nothing", func(e *env) {
		e.create("x")
		wi := e.nextFor("x")
		before := e.instance("x")
		if err := e.b.AbandonOrchestrationWorkItem(e.ctx, wi, 0); err != nil {
			e.t.Fatal(err)
		}
		err := e.b.CompleteOrchestrationWorkItem(e.ctx, wi, &store.OrchestrationCommit{
			Instance:   e.row(wi, history.StatusCompleted),
			NewHistory: e.episode(wi),
			Messages:   []store.Message{e.raise("other", "e", "")},
			Activities: []*history.Event{history.NewTaskScheduled(e.now(), 0, "Act", "")},
		})
		e.isErr("commit after abandon", err, store.ErrWorkItemLost)
		e.sameRow(e.instance("x"), before)
		e.sameEvents("history", e.history("x"), nil)
		e.noActivity()
		again := e.nextFor("x") // the start message is still queued
		if len(again.Messages) != 1 || again.Messages[0].Event.EventType != history.ExecutionStarted {
			e.t.Fatalf("redelivered %v, want the start message", messageEvents(again.Messages))
		}
		e.noWork(store.Orchestrations) // nothing was sent to "other"
		err = e.b.AbandonOrchestrationWorkItem(e.ctx, wi, 0)
		e.isErr("abandon of a stale work item", err, store.ErrWorkItemLost)
	}},
	{"A work item cannot be committed twice", func(e *env) {
		e.create("t")
		wi := e.nextFor("t")
		e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		err := e.b.CompleteOrchestrationWorkItem(e.ctx, wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		e.isErr("second commit", err, store.ErrWorkItemLost)
		if n := len(e.history("t")); n != 3 {
			e.t.Fatalf("history has %d events after a refused second commit, want 3", n)
		}
	}},
	{"Abandon makes the messages visible after retryAfter with DequeueCount incremented", func(e *env) {
		e.create("r")
		wi := e.nextFor("r")
		if err := e.b.AbandonOrchestrationWorkItem(e.ctx, wi, 30*time.Second); err != nil {
			e.t.Fatal(err)
		}
		e.noWork(store.Orchestrations)
		e.clk.Advance(29 * time.Second)
		e.noWork(store.Orchestrations)
		wi = e.nextAfter(store.Orchestrations, time.Second)
		if wi.InstanceID != "r" || len(wi.Messages) != 1 || wi.Messages[0].DequeueCount != 2 {
			e.t.Fatalf("redelivery = %q %+v, want r's start with DequeueCount 2", wi.InstanceID, wi.Messages)
		}
		if err := e.b.AbandonOrchestrationWorkItem(e.ctx, wi, 0); err != nil {
			e.t.Fatal(err)
		}
		if wi = e.nextFor("r"); wi.Messages[0].DequeueCount != 3 {
			e.t.Fatalf("DequeueCount = %d after two abandons, want 3", wi.Messages[0].DequeueCount)
		}
	}},
	{"Abandon leaves messages that arrived meanwhile visible and in order", func(e *env) {
		start := e.create("m")
		wi := e.nextFor("m")
		late := e.raise("m", "late", "")
		e.send(late)
		if err := e.b.AbandonOrchestrationWorkItem(e.ctx, wi, time.Minute); err != nil {
			e.t.Fatal(err)
		}
		wi = e.nextFor("m")
		e.sameEvents("messages visible after the abandon", messageEvents(wi.Messages), []*history.Event{late.Event})
		if err := e.b.AbandonOrchestrationWorkItem(e.ctx, wi, time.Minute); err != nil {
			e.t.Fatal(err)
		}
		e.noWork(store.Orchestrations)
		wi = e.nextAfter(store.Orchestrations, time.Minute)
		e.sameEvents("all messages", messageEvents(wi.Messages), []*history.Event{start, late.Event})
	}},
	{"A commit without a row drops the messages and writes nothing", func(e *env) {
		e.send(e.raise("ghost", "e", ""))
		wi := e.nextFor("ghost")
		if wi.Instance != nil {
			e.t.Fatalf("ghost has a row: %+v", wi.Instance)
		}
		e.commit(wi, &store.OrchestrationCommit{})
		e.notFound("ghost")
		e.noWork(store.Orchestrations)
	}},
	{"Work items are handed out by kind: entities apart from orchestrations", func(e *env) {
		e.send(e.raise("@counter@k", "op", `{"op":"add"}`))
		e.noWork(store.Orchestrations)
		wi := e.next(store.Entities)
		if wi.InstanceID != "@counter@k" {
			e.t.Fatalf("entity work item for %q", wi.InstanceID)
		}
		e.commit(wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		e.create("o")
		ctx, cancel := context.WithTimeout(e.ctx, quiet)
		defer cancel()
		if _, err := e.b.NextOrchestrationWorkItem(ctx, store.Entities); !errors.Is(err, context.DeadlineExceeded) {
			e.t.Fatalf("entity dispatcher got %v, want nothing", err)
		}
		e.nextFor("o")
	}},
	{"SendMessages delays a message until its VisibleAt", func(e *env) {
		e.send(store.Message{InstanceID: "d", Event: history.NewEventRaised(e.now(), "later", ""), VisibleAt: e.now().Add(time.Hour)})
		now := e.raise("d2", "now", "")
		e.send(now)
		wi := e.nextFor("d2")
		e.sameEvents("immediate message", messageEvents(wi.Messages), []*history.Event{now.Event})
		e.commit(wi, &store.OrchestrationCommit{})
		e.noWork(store.Orchestrations)
		e.clk.Advance(time.Hour)
		wi = e.nextFor("d")
		if len(wi.Messages) != 1 || wi.Messages[0].Event.Name != "later" {
			e.t.Fatalf("delayed delivery = %v", messageEvents(wi.Messages))
		}
	}},
}
