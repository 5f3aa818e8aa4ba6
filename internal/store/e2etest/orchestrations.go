package e2etest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitDone(t *testing.T, c *durable.Client, id string) *durable.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.WaitForCompletion(ctx, id)
	if err != nil {
		t.Fatalf("wait for %s: %v", id, err)
	}
	return st
}

func waitStatus(t *testing.T, c *durable.Client, id string, want durable.RuntimeStatus) *durable.Status {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := c.GetStatus(context.Background(), id)
		if err == nil && st.RuntimeStatus == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s never reached %v (last: %+v, %v)", id, want, st, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func helloSequence(ctx *durable.OrchestrationContext) (any, error) {
	var out []string
	for _, city := range []string{"Tokyo", "Seattle", "London"} {
		var s string
		if err := ctx.CallActivity("SayHello", city).Await(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// helloRegistry holds the SayHello activity and the HelloSequence
// orchestrator that calls it for three cities.
func helloRegistry(t *testing.T) *durable.Registry {
	reg := durable.NewRegistry()
	must(t, reg.AddActivity("SayHello", durable.ActivityOf(func(ctx context.Context, name string) (string, error) {
		return "Hello " + name + "!", nil
	})))
	must(t, reg.AddOrchestrator("HelloSequence", helloSequence))
	return reg
}

func testChainingReturnsEveryGreetingInOrder(t *testing.T, s *suite) {
	c := s.client(t, helloRegistry(t))
	id, err := c.StartNew(context.Background(), "HelloSequence", nil)
	must(t, err)
	st := waitDone(t, c, id)
	if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != `["Hello Tokyo!","Hello Seattle!","Hello London!"]` {
		t.Fatalf("got %v %s (%v)", st.RuntimeStatus, st.Output, st.Failure)
	}
}

func testFanOutFanInSumsTheSquares(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddActivity("Square", durable.ActivityOf(func(_ context.Context, n int) (int, error) { return n * n, nil })))
	must(t, reg.AddOrchestrator("FanOutFanIn", func(ctx *durable.OrchestrationContext) (any, error) {
		n := 10
		_ = ctx.GetInput(&n)
		tasks := make([]durable.Task, n)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Square", i+1)
		}
		var squares []int
		if err := ctx.WhenAll(tasks...).Await(&squares); err != nil {
			return nil, err
		}
		sum := 0
		for _, s := range squares {
			sum += s
		}
		return sum, nil
	}))
	c := s.client(t, reg)
	id, err := c.StartNew(context.Background(), "FanOutFanIn", 100)
	must(t, err)
	st := waitDone(t, c, id)
	if string(st.Output) != "338350" {
		t.Fatalf("got %v %s (%v)", st.RuntimeStatus, st.Output, st.Failure)
	}
}

func approval(ctx *durable.OrchestrationContext) (any, error) {
	var in struct{ TimeoutSeconds int }
	_ = ctx.GetInput(&in)
	timeout := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Duration(in.TimeoutSeconds) * time.Second))
	event := ctx.WaitForExternalEvent("ApprovalEvent")
	var winner durable.Task
	if err := ctx.WhenAny(event, timeout).Await(&winner); err != nil {
		return nil, err
	}
	if winner == timeout {
		return "escalated", nil
	}
	timeout.Cancel()
	var approved bool
	if err := event.Await(&approved); err != nil {
		return nil, err
	}
	if approved {
		return "approved", nil
	}
	return "rejected", nil
}

func testHumanInteractionIsApprovedByAnEvent(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddOrchestrator("ApprovalWorkflow", approval))
	c := s.client(t, reg)
	ctx := context.Background()
	id, err := c.StartNew(ctx, "ApprovalWorkflow", map[string]int{"timeoutSeconds": 3600})
	must(t, err)
	waitStatus(t, c, id, durable.StatusRunning)
	must(t, c.RaiseEvent(ctx, id, "approvalevent", true))
	if st := waitDone(t, c, id); string(st.Output) != `"approved"` {
		t.Fatalf("got %s", st.Output)
	}
}

func testHumanInteractionEscalatesWhenTheTimerFires(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddOrchestrator("ApprovalWorkflow", approval))
	c := s.client(t, reg)
	id, err := c.StartNew(context.Background(), "ApprovalWorkflow", map[string]int{"timeoutSeconds": 0})
	must(t, err)
	if st := waitDone(t, c, id); string(st.Output) != `"escalated"` {
		t.Fatalf("got %s", st.Output)
	}
}

func testEventRaisedBeforeTheWaitIsDelivered(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddActivity("Slow", func(*durable.ActivityContext) (any, error) { return nil, nil }))
	must(t, reg.AddOrchestrator("Late", func(ctx *durable.OrchestrationContext) (any, error) {
		if err := ctx.CallActivity("Slow", nil).Await(nil); err != nil {
			return nil, err
		}
		var v string
		err := ctx.WaitForExternalEvent("Go").Await(&v)
		return v, err
	}))
	c := s.client(t, reg)
	ctx := context.Background()
	id, err := c.StartNew(ctx, "Late", nil, durable.WithInstanceID("late-1"))
	must(t, err)
	must(t, c.RaiseEvent(ctx, id, "Go", "early"))
	if st := waitDone(t, c, id); string(st.Output) != `"early"` {
		t.Fatalf("got %s %v", st.Output, st.Failure)
	}
}

func testActivityFailureReachesTheOrchestratorAsATypedError(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddActivity("Boom", func(*durable.ActivityContext) (any, error) { return nil, errors.New("kaput") }))
	must(t, reg.AddOrchestrator("Catches", func(ctx *durable.OrchestrationContext) (any, error) {
		err := ctx.CallActivity("Boom", nil).Await(nil)
		var failed *durable.TaskFailedError
		if !errors.As(err, &failed) {
			return nil, fmt.Errorf("want TaskFailedError, got %v", err)
		}
		return failed.Name + ": " + failed.Message, nil
	}))
	must(t, reg.AddOrchestrator("Throws", func(ctx *durable.OrchestrationContext) (any, error) {
		return nil, ctx.CallActivity("Boom", nil).Await(nil)
	}))
	c := s.client(t, reg)
	ctx := context.Background()
	id1, _ := c.StartNew(ctx, "Catches", nil)
	id2, _ := c.StartNew(ctx, "Throws", nil)
	if st := waitDone(t, c, id1); string(st.Output) != `"Boom: kaput"` {
		t.Fatalf("caught: %s %v", st.Output, st.Failure)
	}
	st := waitDone(t, c, id2)
	if st.RuntimeStatus != durable.StatusFailed || !strings.Contains(st.Failure.ErrorMessage, "kaput") {
		t.Fatalf("uncaught: %v %+v", st.RuntimeStatus, st.Failure)
	}
}

func testRetryPolicyRetriesUntilTheActivitySucceeds(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	var calls atomic.Int32
	must(t, reg.AddActivity("Flaky", func(*durable.ActivityContext) (any, error) {
		if calls.Add(1) < 3 {
			return nil, errors.New("not yet")
		}
		return "ok", nil
	}))
	must(t, reg.AddOrchestrator("Retry", func(ctx *durable.OrchestrationContext) (any, error) {
		var s string
		err := ctx.CallActivity("Flaky", nil, durable.WithRetry(durable.RetryPolicy{MaxAttempts: 5, FirstRetryInterval: time.Millisecond})).Await(&s)
		return s, err
	}))
	c := s.client(t, reg)
	id, _ := c.StartNew(context.Background(), "Retry", nil)
	if st := waitDone(t, c, id); string(st.Output) != `"ok"` || calls.Load() != 3 {
		t.Fatalf("got %s after %d calls (%v)", st.Output, calls.Load(), st.Failure)
	}
}

func testSubOrchestrationReturnsItsOutputToTheParent(t *testing.T, s *suite) {
	reg := helloRegistry(t)
	must(t, reg.AddOrchestrator("Parent", func(ctx *durable.OrchestrationContext) (any, error) {
		var greetings []string
		err := ctx.CallSubOrchestrator("HelloSequence", nil, durable.WithInstanceID(ctx.InstanceID()+"-child")).Await(&greetings)
		return len(greetings), err
	}))
	c := s.client(t, reg)
	id, _ := c.StartNew(context.Background(), "Parent", nil, durable.WithInstanceID("parent"))
	if st := waitDone(t, c, id); string(st.Output) != "3" {
		t.Fatalf("got %s %v", st.Output, st.Failure)
	}
	child, err := c.GetStatus(context.Background(), "parent-child")
	must(t, err)
	if child.RuntimeStatus != durable.StatusCompleted || child.ParentInstanceID != "parent" {
		t.Fatalf("child: %+v", child)
	}
}

func testContinueAsNewCountsToTheTarget(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddOrchestrator("Counter", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		_ = ctx.GetInput(&n)
		if n < 20 {
			return nil, ctx.ContinueAsNew(n + 1)
		}
		return n, nil
	}))
	c := s.client(t, reg)
	id, _ := c.StartNew(context.Background(), "Counter", 0)
	st := waitDone(t, c, id)
	if string(st.Output) != "20" {
		t.Fatalf("got %s %v", st.Output, st.Failure)
	}
	full, err := c.GetStatus(context.Background(), id, durable.WithHistory())
	must(t, err)
	if n := len(full.History); n == 0 || n > 6 {
		t.Fatalf("history of the last execution has %d events", n)
	}
}

// forever waits for an event nobody raises: an instance that stays
// Running until it is terminated.
func forever(ctx *durable.OrchestrationContext) (any, error) {
	return nil, ctx.WaitForExternalEvent("never").Await(nil)
}

func testTerminateEndsARunningInstanceWithTheReason(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddOrchestrator("Forever", forever))
	c := s.client(t, reg)
	ctx := context.Background()
	id, _ := c.StartNew(ctx, "Forever", nil)
	waitStatus(t, c, id, durable.StatusRunning)
	must(t, c.Terminate(ctx, id, "enough"))
	st := waitStatus(t, c, id, durable.StatusTerminated)
	if string(st.Output) != `"enough"` {
		t.Fatalf("output %s", st.Output)
	}
	var ise *durable.InvalidStateError
	if err := c.RaiseEvent(ctx, id, "never", nil); !errors.As(err, &ise) {
		t.Fatalf("raise to terminated: %v", err)
	}
}

func testSuspendedInstanceKeepsEventsUntilResumed(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddOrchestrator("Waits", func(ctx *durable.OrchestrationContext) (any, error) {
		var v int
		err := ctx.WaitForExternalEvent("E").Await(&v)
		return v, err
	}))
	c := s.client(t, reg)
	ctx := context.Background()
	id, _ := c.StartNew(ctx, "Waits", nil)
	waitStatus(t, c, id, durable.StatusRunning)
	must(t, c.Suspend(ctx, id, "pause"))
	waitStatus(t, c, id, durable.StatusSuspended)
	must(t, c.RaiseEvent(ctx, id, "E", 42))
	time.Sleep(20 * time.Millisecond)
	if st, _ := c.GetStatus(ctx, id); st.RuntimeStatus != durable.StatusSuspended {
		t.Fatalf("ran while suspended: %v", st.RuntimeStatus)
	}
	must(t, c.Resume(ctx, id, "go"))
	if st := waitDone(t, c, id); string(st.Output) != "42" {
		t.Fatalf("got %s %v", st.Output, st.Failure)
	}
}

func testRewindRerunsOnlyTheFailedActivity(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	var okCalls, flakyCalls atomic.Int32
	must(t, reg.AddActivity("Ok", func(*durable.ActivityContext) (any, error) { okCalls.Add(1); return 1, nil }))
	must(t, reg.AddActivity("FailsOnce", func(*durable.ActivityContext) (any, error) {
		if flakyCalls.Add(1) == 1 {
			return nil, errors.New("first time fails")
		}
		return 2, nil
	}))
	must(t, reg.AddOrchestrator("Rewindable", func(ctx *durable.OrchestrationContext) (any, error) {
		var a, b int
		if err := ctx.CallActivity("Ok", nil).Await(&a); err != nil {
			return nil, err
		}
		if err := ctx.CallActivity("FailsOnce", nil).Await(&b); err != nil {
			return nil, err
		}
		return a + b, nil
	}))
	c := s.client(t, reg)
	ctx := context.Background()
	id, _ := c.StartNew(ctx, "Rewindable", nil)
	if st := waitDone(t, c, id); st.RuntimeStatus != durable.StatusFailed {
		t.Fatalf("want failed, got %v", st.RuntimeStatus)
	}
	must(t, c.Rewind(ctx, id, "fixed"))
	// The rewind is asynchronous: the status stays Failed until the engine
	// has processed it.
	st := waitStatus(t, c, id, durable.StatusCompleted)
	if st.RuntimeStatus != durable.StatusCompleted || string(st.Output) != "3" || okCalls.Load() != 1 || flakyCalls.Load() != 2 {
		t.Fatalf("got %v %s ok=%d flaky=%d %v", st.RuntimeStatus, st.Output, okCalls.Load(), flakyCalls.Load(), st.Failure)
	}
}

func testRestartRunsAFinishedInstanceAgain(t *testing.T, s *suite) {
	c := s.client(t, helloRegistry(t))
	ctx := context.Background()
	id, _ := c.StartNew(ctx, "HelloSequence", nil)
	waitDone(t, c, id)
	newID, err := c.Restart(ctx, id, true)
	must(t, err)
	if newID == id {
		t.Fatal("restart with a new id returned the old id")
	}
	if st := waitDone(t, c, newID); st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("restarted: %v", st.RuntimeStatus)
	}
	same, err := c.Restart(ctx, id, false)
	must(t, err)
	if st := waitDone(t, c, same); same != id || st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("restart same id: %s %v", same, st.RuntimeStatus)
	}
}

func testPurgeDeletesAFinishedInstance(t *testing.T, s *suite) {
	c := s.client(t, helloRegistry(t))
	ctx := context.Background()
	id, _ := c.StartNew(ctx, "HelloSequence", nil)
	waitDone(t, c, id)
	must(t, c.Purge(ctx, id))
	if _, err := c.GetStatus(ctx, id); !errors.Is(err, durable.ErrInstanceNotFound) {
		t.Fatalf("after purge: %v", err)
	}
	if err := c.Purge(ctx, id); !errors.Is(err, durable.ErrInstanceNotFound) {
		t.Fatalf("second purge: %v", err)
	}
}

func testStartingAnActiveIDAgainIsRefused(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddOrchestrator("Forever", forever))
	c := s.client(t, reg)
	ctx := context.Background()
	_, err := c.StartNew(ctx, "Forever", nil, durable.WithInstanceID("once"))
	must(t, err)
	if _, err := c.StartNew(ctx, "Forever", nil, durable.WithInstanceID("once")); !errors.Is(err, durable.ErrInstanceExists) {
		t.Fatalf("second start: %v", err)
	}
	var unknown *durable.UnknownFunctionError
	if _, err := c.StartNew(ctx, "Nope", nil); !errors.As(err, &unknown) {
		t.Fatalf("unknown orchestrator: %v", err)
	}
	if _, err := c.StartNew(ctx, "Forever", nil, durable.WithInstanceID("a/b")); !errors.Is(err, durable.ErrInvalidInstanceID) {
		t.Fatalf("bad id: %v", err)
	}
}

func testPanickingOrchestratorFailsOnlyItsInstance(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	must(t, reg.AddOrchestrator("Panics", func(ctx *durable.OrchestrationContext) (any, error) {
		var m map[string]int
		m["boom"] = 1
		return nil, nil
	}))
	c := s.client(t, reg)
	id, _ := c.StartNew(context.Background(), "Panics", nil)
	st := waitDone(t, c, id)
	if st.RuntimeStatus != durable.StatusFailed || !strings.Contains(st.Failure.ErrorMessage, "panicked") || st.Failure.StackTrace == "" {
		t.Fatalf("got %v %+v", st.RuntimeStatus, st.Failure)
	}
}

func testRetentionPurgesFinishedInstancesPastTheirAge(t *testing.T, s *suite) {
	reg := helloRegistry(t)
	must(t, reg.AddOrchestrator("Forever", forever))
	rt := durable.NewRuntime(reg, s.newStore(t), durable.WithRetention(time.Millisecond))
	c := rt.Client()
	ctx := context.Background()
	rt.Start()
	done, _ := c.StartNew(ctx, "HelloSequence", nil)
	waitDone(t, c, done)
	running, _ := c.StartNew(ctx, "Forever", nil)
	waitStatus(t, c, running, durable.StatusRunning)
	// The purge loop runs at start and then every minute: restart the
	// runtime so it runs again now that the instance is older than 1 ms.
	time.Sleep(5 * time.Millisecond)
	must(t, rt.Stop(ctx))
	rt.Start()
	defer rt.Close(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := c.GetStatus(ctx, done)
		if errors.Is(err, durable.ErrInstanceNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the finished instance was not purged: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st, err := c.GetStatus(ctx, running); err != nil || st.RuntimeStatus != durable.StatusRunning {
		t.Fatalf("the running instance must stay: %+v %v", st, err)
	}
}

func testGracefulStopFinishesTheActivityInFlight(t *testing.T, s *suite) {
	reg := durable.NewRegistry()
	started := make(chan struct{})
	var calls atomic.Int32
	must(t, reg.AddActivity("Slow", func(ctx *durable.ActivityContext) (any, error) {
		if calls.Add(1) == 1 {
			close(started)
		}
		time.Sleep(200 * time.Millisecond)
		return "done", nil
	}))
	must(t, reg.AddOrchestrator("UsesSlow", func(ctx *durable.OrchestrationContext) (any, error) {
		var out string
		err := ctx.CallActivity("Slow", nil).Await(&out)
		return out, err
	}))
	rt := durable.NewRuntime(reg, s.newStore(t), s.opts...)
	rt.Start()
	ctx := context.Background()
	c := rt.Client()
	id, err := c.StartNew(ctx, "UsesSlow", nil)
	must(t, err)
	<-started
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	must(t, rt.Stop(stopCtx)) // waits for the activity and commits its result
	rt.Start()
	defer rt.Close(ctx)
	st := waitDone(t, c, id)
	if string(st.Output) != `"done"` || calls.Load() != 1 {
		t.Fatalf("after a graceful stop: %v %s, activity ran %d times (want once)", st.RuntimeStatus, st.Output, calls.Load())
	}
}
