package durabletest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
)

func counter(ctx *durable.EntityContext) error {
	n := 0
	_ = ctx.GetState(&n)
	switch ctx.OperationName() {
	case "add":
		var d int
		_ = ctx.GetInput(&d)
		return ctx.SetState(n + d)
	case "get":
		return ctx.Return(n)
	}
	return errors.New("no such operation")
}

// holdLock locks the counter and waits for an event that never comes.
func holdLock(ctx *durable.OrchestrationContext) (any, error) {
	release, err := ctx.LockEntities(durable.NewEntityID("Counter", "x"))
	if err != nil {
		return nil, err
	}
	defer release()
	return nil, ctx.WaitForExternalEvent("Go").Await(nil)
}

// parent waits on a child that waits for an approval, and on an entity
// call that the lock above blocks.
func parent(ctx *durable.OrchestrationContext) (any, error) {
	if err := ctx.CallActivity("Prepare", "p").Await(nil); err != nil {
		return nil, err
	}
	child := ctx.CallSubOrchestrator("Child", nil, durable.WithInstanceID("the-child"))
	get := ctx.CallEntity(durable.NewEntityID("Counter", "x"), "get", nil)
	return nil, ctx.WhenAll(child, get).Await(nil)
}

func child(ctx *durable.OrchestrationContext) (any, error) {
	_ = ctx.SetCustomStatus("waiting for Approval")
	return nil, ctx.WaitForExternalEvent("Approval").Await(nil)
}

func TestNeverFinishingOrchestrationFailsWithReport(t *testing.T) {
	start := time.Now()
	env := durabletest.New(t)
	env.Entity("Counter", counter)
	env.Orchestrator("HoldLock", holdLock)
	env.Orchestrator("Parent", parent)
	env.Orchestrator("Child", child)
	env.MockActivity("Prepare").Return("ok")
	env.Start("HoldLock", nil)
	env.Settle()
	run := env.Start("Parent", nil)
	run.RaiseEventAfter(time.Hour, "Unrelated", 1)
	err := run.TryWait()
	if err == nil {
		t.Fatal("Wait returned")
	}
	report := err.Error()
	t.Logf("the report:\n%s", report)
	for _, want := range []string{
		`orchestration "Parent" (instance "Parent-2") did not finish: the engine is idle`,
		`instance "Parent-2" (Parent) is Running`,
		`sub-orchestration "Child" (task 1, instance "the-child") has not finished`,
		`instance "the-child" (Child) is Running`,
		`custom status: "waiting for Approval"`,
		`the orchestrator is waiting for an external event`,
		`the orchestrator is waiting for: external event "Approval"`,
		`entity call @counter@x.get (task 2) has not been answered`,
		`locked by HoldLock-1`,
		`1h0m0s after the test began`, // the scheduled event was delivered first
		`external events received: "Unrelated"`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("detecting the deadlock took %s", d)
	}
}

func TestWaitFailsTheTestWithTheReport(t *testing.T) {
	ft := &fakeT{TB: t}
	env := durabletest.New(ft)
	env.Orchestrator("Child", child)
	run := env.Start("Child", nil)
	func() {
		defer func() { recover() }()
		run.Wait()
	}()
	if !strings.Contains(ft.msg, "did not finish") || !strings.Contains(ft.msg, "waiting for an external event") {
		t.Fatalf("message %q", ft.msg)
	}
}

func TestEndlessTimerLoopHitsTheTimeout(t *testing.T) {
	env := durabletest.New(t, durabletest.WithTimeout(200*time.Millisecond))
	env.Orchestrator("Forever", func(ctx *durable.OrchestrationContext) (any, error) {
		for {
			if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Hour)).Await(nil); err != nil {
				return nil, err
			}
		}
	})
	err := env.Start("Forever", nil).TryWait()
	if err == nil || !strings.Contains(err.Error(), "did not finish within 200ms of real time, while virtual time advanced to") ||
		!strings.Contains(err.Error(), "timer (task") {
		t.Fatalf("error %v", err)
	}
}

func TestCustomStatusAndHistory(t *testing.T) {
	env := durabletest.New(t)
	env.Orchestrator("Steps", func(ctx *durable.OrchestrationContext) (any, error) {
		for i := 1; i <= 3; i++ {
			_ = ctx.SetCustomStatus(map[string]int{"step": i})
			if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Duration(i) * time.Hour)).Await(nil); err != nil {
				return nil, err
			}
		}
		return ctx.CurrentUTCDateTime(), nil
	})
	run := env.Start("Steps", nil)
	env.AdvanceTime(90 * time.Minute) // past the first timer only
	var st struct{ Step int }
	if !run.CustomStatus(&st) || st.Step != 2 {
		t.Fatalf("custom status %+v", st)
	}
	var end time.Time
	run.Output(&end)
	if want := durabletest.DefaultStartTime.Add(6 * time.Hour); !end.Equal(want) {
		t.Fatalf("CurrentUTCDateTime at the end %s, want %s", end, want)
	}
	timers := 0
	for _, e := range run.History() {
		if e.EventType.String() == "TimerFired" {
			timers++
		}
	}
	if timers != 3 {
		t.Fatalf("%d timers fired", timers)
	}
}

func TestEntityLocksOnTheVirtualClock(t *testing.T) {
	env := durabletest.New(t)
	env.Entity("Counter", counter)
	env.Orchestrator("Hold", func(ctx *durable.OrchestrationContext) (any, error) {
		release, err := ctx.LockEntities(durable.NewEntityID("Counter", "x"))
		if err != nil {
			return nil, err
		}
		defer release()
		return nil, ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Hour)).Await(nil)
	})
	x := durable.NewEntityID("Counter", "x")
	run := env.Start("Hold", nil)
	env.Settle()
	env.SignalEntity(x, "add", 1) // queues behind the lock
	md := env.EntityMetadata(x)
	if md == nil || md.LockedBy != run.ID || md.BacklogQueueSize != 1 {
		t.Fatalf("metadata %+v", md)
	}
	run.Wait() // the timer fires an hour later; the lock is released
	var n int
	if !env.EntityState(x, &n) || n != 1 {
		t.Fatalf("state %d", n)
	}
	if md := env.EntityMetadata(x); md.LockedBy != "" {
		t.Fatalf("still locked by %q", md.LockedBy)
	}
}

func TestUnmockedActivityRunsForReal(t *testing.T) {
	env := durabletest.New(t)
	env.Activity("Double", func(n int) int { return 2 * n })
	env.Orchestrator("UseDouble", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		err := ctx.CallActivity("Double", 21).Await(&n)
		return n, err
	})
	var n int
	env.Start("UseDouble", nil).Output(&n)
	if n != 42 {
		t.Fatalf("got %d", n)
	}
	if c := env.Calls("Double"); len(c) != 1 || c[0].Mocked || string(c[0].Output) != "42" {
		t.Fatalf("calls %v", c)
	}
}
