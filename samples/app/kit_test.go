package app_test

// Unit tests of every sample orchestrator, written with the test kit
// (durable/durabletest): real engine, memory store, virtual clock.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
	"github.com/godurable/durablefunctions/samples/app"
)

// newEnv registers the whole sample app; activities run for real unless a
// test mocks them.
func newEnv(t *testing.T) *durabletest.Env {
	env := durabletest.New(t)
	env.RegisterAll(app.New().Registry())
	return env
}

func TestHelloSequence(t *testing.T) {
	env := newEnv(t)
	var out []string
	env.Start("HelloSequence", nil).Output(&out)
	want := []string{"Hello Tokyo!", "Hello Seattle!", "Hello London!"}
	if strings.Join(out, "|") != strings.Join(want, "|") {
		t.Fatalf("output %q, want %q", out, want)
	}
	env.AssertCallCount("SayHello", 3)
	env.AssertCalled("SayHello", "Seattle")
}

func TestHelloSequenceWithMock(t *testing.T) {
	env := durabletest.New(t)
	env.Orchestrator("HelloSequence", app.HelloSequence)
	env.Activity("SayHello", app.SayHello) // typed: the mock's signature is checked against it
	env.MockActivity("SayHello").Do(func(_ context.Context, city string) (string, error) {
		return "Bonjour " + city, nil
	})
	var out []string
	env.Start("HelloSequence", nil).Output(&out)
	if len(out) != 3 || out[2] != "Bonjour London" {
		t.Fatalf("output %q", out)
	}
	calls := env.Calls("SayHello")
	for i, city := range []string{"Tokyo", "Seattle", "London"} {
		var in string
		if err := calls[i].DecodeInput(&in); err != nil || in != city {
			t.Errorf("call %d: input %q (%v), want %q", i, in, err, city)
		}
	}
}

func TestHelloSequenceActivityFailure(t *testing.T) {
	env := newEnv(t)
	env.MockActivity("SayHello").Return("Hello Tokyo!").Once()
	env.MockActivity("SayHello").ReturnError(errors.New("Seattle is unreachable"))
	f := env.Start("HelloSequence", nil).Failure()
	if f == nil || !strings.Contains(f.ErrorMessage, "Seattle is unreachable") {
		t.Fatalf("failure %+v", f)
	}
	env.AssertCallCount("SayHello", 2)
}

func TestFanOutFanIn(t *testing.T) {
	env := newEnv(t)
	var sum int
	env.Start("FanOutFanIn", 10).Output(&sum)
	if sum != 385 {
		t.Fatalf("sum %d, want 385", sum)
	}
	env.AssertCallCount("Square", 10)
	// One activity at a time, in scheduling order.
	for i, c := range env.Calls("Square") {
		var n int
		_ = c.DecodeInput(&n)
		if n != i+1 {
			t.Errorf("call %d squared %d", i, n)
		}
	}
}

func TestFanOutFanInRejectsNegativeInput(t *testing.T) {
	env := newEnv(t)
	f := env.Start("FanOutFanIn", -1).Failure()
	if f == nil || !strings.Contains(f.ErrorMessage, "non-negative") {
		t.Fatalf("failure %+v", f)
	}
	env.AssertNotCalled("Square")
}

func TestMonitorCompletes(t *testing.T) {
	env := newEnv(t)
	status := env.MockActivity("GetJobStatus")
	status.Return("Running").Times(2)
	status.Return("Completed")
	var out string
	env.Start("Monitor", app.MonitorInput{JobID: "job-1", PollingIntervalSeconds: 60, ExpirySeconds: 3600}).Output(&out)
	if out != "Completed" {
		t.Fatalf("output %q", out)
	}
	env.AssertCallOrder("GetJobStatus", "GetJobStatus", "GetJobStatus", "SendAlert")
	env.AssertCalled("SendAlert", "job-1")
	if env.Elapsed() != 2*time.Minute {
		t.Errorf("elapsed %s, want two polling intervals", env.Elapsed())
	}
}

func TestMonitorExpires(t *testing.T) {
	start := time.Now()
	env := newEnv(t)
	env.MockActivity("GetJobStatus").Return("Running")
	var out string
	env.Start("Monitor", app.MonitorInput{JobID: "job-2", PollingIntervalSeconds: 300, ExpirySeconds: 6 * 3600}).Output(&out)
	if out != "Running" {
		t.Fatalf("output %q", out)
	}
	env.AssertNotCalled("SendAlert")
	env.AssertCallCount("GetJobStatus", 6*12+1) // at 0, 5m, …, 6h
	if env.Elapsed() != 6*time.Hour {
		t.Errorf("elapsed %s of virtual time, want 6h", env.Elapsed())
	}
	t.Logf("6 hours of monitoring took %s", time.Since(start))
}

func approvalEnv(t *testing.T) *durabletest.Env {
	env := durabletest.New(t)
	env.Orchestrator("ApprovalWorkflow", app.ApprovalWorkflow)
	env.Activity("RequestApproval", app.RequestApproval)
	env.Activity("ProcessApproval", app.ProcessApproval)
	env.Activity("Escalate", app.Escalate)
	env.MockActivity("RequestApproval").Return("requested")
	return env
}

func TestApprovalWorkflow(t *testing.T) {
	start := time.Now()
	t.Run("timeout", func(t *testing.T) {
		env := approvalEnv(t)
		env.RaiseEventAfter(72*time.Hour, "ApprovalEvent", true) // too late
		run := env.Start("ApprovalWorkflow", app.ApprovalInput{TimeoutSeconds: 3600})
		var out string
		run.Output(&out)
		if out != "escalated" {
			t.Fatalf("output %q", out)
		}
		env.AssertCallOrder("RequestApproval", "Escalate")
		env.AssertNotCalled("ProcessApproval")
		if env.Elapsed() != time.Hour {
			t.Errorf("elapsed %s, want the 1h timeout", env.Elapsed())
		}
	})
	t.Run("approved", func(t *testing.T) {
		env := approvalEnv(t)
		env.RaiseEventAfter(30*time.Minute, "ApprovalEvent", true)
		run := env.Start("ApprovalWorkflow", app.ApprovalInput{TimeoutSeconds: 72 * 3600})
		var out string
		run.Output(&out)
		if out != "approved" {
			t.Fatalf("output %q", out)
		}
		env.AssertCalled("ProcessApproval", run.ID)
		env.AssertNotCalled("Escalate")
		if env.Elapsed() != 30*time.Minute {
			t.Errorf("elapsed %s, want 30m", env.Elapsed())
		}
	})
	t.Run("rejected", func(t *testing.T) {
		env := approvalEnv(t)
		run := env.Start("ApprovalWorkflow", app.ApprovalInput{TimeoutSeconds: 72 * 3600})
		env.Settle() // RequestApproval ran; the orchestration waits
		env.AssertCallCount("RequestApproval", 1)
		run.RaiseEvent("ApprovalEvent", false)
		var out string
		run.Output(&out)
		if out != "rejected" {
			t.Fatalf("output %q", out)
		}
		env.AssertNotCalled("ProcessApproval")
		env.AssertNotCalled("Escalate")
		if env.Elapsed() != 0 {
			t.Errorf("elapsed %s, want none", env.Elapsed())
		}
	})
	if d := time.Since(start); d > time.Second {
		t.Errorf("the three approval paths took %s", d)
	} else {
		t.Logf("timeout, approval and rejection paths took %s in total", d)
	}
}

func TestTransferFunds(t *testing.T) {
	env := newEnv(t)
	alice, bob := durable.NewEntityID("Account", "alice"), durable.NewEntityID("Account", "bob")
	env.SignalEntity(alice, "deposit", 100)
	var ok bool
	env.Start("TransferFunds", app.TransferInput{From: "alice", To: "bob", Amount: 30}).Output(&ok)
	if !ok {
		t.Fatal("transfer refused")
	}
	var a, b app.Account
	env.EntityState(alice, &a)
	env.EntityState(bob, &b)
	if a.Balance != 70 || b.Balance != 30 {
		t.Fatalf("balances %d and %d, want 70 and 30", a.Balance, b.Balance)
	}
	if md := env.EntityMetadata(alice); md.LockedBy != "" {
		t.Errorf("alice is still locked by %q", md.LockedBy)
	}
	env.Start("TransferFunds", app.TransferInput{From: "bob", To: "alice", Amount: 31}).Output(&ok)
	if ok {
		t.Fatal("an overdraft was allowed")
	}
	var balance int
	if err := env.CallEntity(bob, "balance", nil, &balance); err != nil || balance != 30 {
		t.Fatalf("bob's balance %d (%v)", balance, err)
	}
}

func TestTransferFundsRejectsBadInput(t *testing.T) {
	env := newEnv(t)
	f := env.Start("TransferFunds", app.TransferInput{From: "alice", To: "alice", Amount: 1}).Failure()
	if f == nil || !strings.Contains(f.ErrorMessage, "distinct") {
		t.Fatalf("failure %+v", f)
	}
}

func TestRetryThenSucceed(t *testing.T) {
	env := newEnv(t)
	// The real FlakyActivity fails the first two calls for each instance id
	// it has ever seen in this process: use a fresh id.
	run := env.Start("RetryThenSucceed", nil, durable.WithInstanceID(fmt.Sprintf("retry-%d", time.Now().UnixNano())))
	var out string
	run.Output(&out)
	if out != "succeeded after retries" {
		t.Fatalf("output %q", out)
	}
	env.AssertCallCount("FlakyActivity", 3)
	if env.Elapsed() != 3*time.Second { // back-off of 1s, then 2s
		t.Errorf("elapsed %s, want 3s", env.Elapsed())
	}
}

func TestRetryThenSucceedGivesUp(t *testing.T) {
	env := newEnv(t)
	env.MockActivity("FlakyActivity").ReturnError(errors.New("down"))
	f := env.Start("RetryThenSucceed", nil).Failure()
	if f == nil || !strings.Contains(f.ErrorMessage, "down") {
		t.Fatalf("failure %+v", f)
	}
	env.AssertCallCount("FlakyActivity", 5)
	if env.Elapsed() != (1+2+4+8)*time.Second {
		t.Errorf("elapsed %s, want 15s", env.Elapsed())
	}
}

func TestSubOrchestrationParent(t *testing.T) {
	env := newEnv(t)
	run := env.Start("SubOrchestrationParent", nil)
	var out [][]string
	run.Output(&out)
	if len(out) != 2 || len(out[0]) != 3 || out[1][2] != "Hello London!" {
		t.Fatalf("output %q", out)
	}
	env.AssertCallCount("SayHello", 6)
	child, err := env.Client().GetStatus(context.Background(), run.ID+"-child-1")
	if err != nil || child.RuntimeStatus != durable.StatusCompleted || child.ParentInstanceID != run.ID {
		t.Fatalf("child %+v (%v)", child, err)
	}
}

func TestContinueAsNewCounter(t *testing.T) {
	env := newEnv(t)
	var n int
	run := env.Start("ContinueAsNewCounter", map[string]int{"target": 5})
	run.Output(&n)
	if n != 5 {
		t.Fatalf("output %d", n)
	}
	// Each step starts a fresh history: the last holds one execution.
	starts := 0
	for _, e := range run.History() {
		if e.EventType.String() == "ExecutionStarted" {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("history has %d ExecutionStarted events", starts)
	}
}

func TestCounterEntity(t *testing.T) {
	env := newEnv(t)
	c := durable.NewEntityID("Counter", "c1")
	env.SignalEntity(c, "add", 5)
	env.SignalEntity(c, "add", 2)
	var n int
	if err := env.CallEntity(c, "get", nil, &n); err != nil || n != 7 {
		t.Fatalf("get = %d (%v)", n, err)
	}
	env.SignalEntityAfter(24*time.Hour, c, "reset", nil)
	env.AdvanceTime(23 * time.Hour)
	if env.EntityState(c, &n); n != 7 {
		t.Fatalf("reset early: %d", n)
	}
	env.AdvanceTime(time.Hour)
	if env.EntityState(c, &n); n != 0 {
		t.Fatalf("not reset after a day: %d", n)
	}
	if err := env.CallEntity(c, "explode", nil, nil); err == nil || !strings.Contains(err.Error(), "has no operation") {
		t.Fatalf("unknown operation: %v", err)
	}
	env.SignalEntity(c, "delete", nil)
	if env.EntityState(c, nil) {
		t.Fatal("the counter survived delete")
	}
}

func TestApprovalWorkflowReplaysItsOwnHistory(t *testing.T) {
	env := approvalEnv(t)
	env.RaiseEventAfter(time.Minute, "ApprovalEvent", true)
	run := env.Start("ApprovalWorkflow", app.ApprovalInput{TimeoutSeconds: 3600}).Wait()
	res := durabletest.ReplayHistory(t, app.ApprovalWorkflow, run.ExportHistory())
	if res.Status != durable.StatusCompleted || string(res.Output) != `"approved"` {
		t.Fatalf("replay: %+v", res)
	}
}

func TestApprovalWorkflowWithoutATimeoutWaitsThreeDays(t *testing.T) {
	env := approvalEnv(t)
	run := env.Start("ApprovalWorkflow", nil)
	var out string
	run.Output(&out)
	if out != "escalated" {
		t.Fatalf("output %q, want escalated", out)
	}
	if env.Elapsed() != 72*time.Hour {
		t.Errorf("elapsed %s, want the default 72h timeout", env.Elapsed())
	}
}
