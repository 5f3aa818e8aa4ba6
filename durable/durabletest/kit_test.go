package durabletest_test

import (
	"context"
	"errors"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
)

func retrying(ctx *durable.OrchestrationContext) (any, error) {
	var out string
	err := ctx.CallActivity("Charge", 42, durable.WithRetry(durable.RetryPolicy{
		MaxAttempts: 4, FirstRetryInterval: time.Minute, BackoffCoefficient: 2,
	})).Await(&out)
	return out, err
}

func TestMockErrorDrivesRetryPolicyOnVirtualClock(t *testing.T) {
	env := durabletest.New(t)
	env.Orchestrator("Retrying", retrying)
	charge := env.MockActivity("Charge")
	charge.ReturnError(errors.New("card declined")).Times(2)
	charge.Return("receipt-1")

	start := time.Now()
	var out string
	env.Start("Retrying", nil).Output(&out)
	if out != "receipt-1" {
		t.Fatalf("output %q", out)
	}
	env.AssertCallCount("Charge", 3)
	env.AssertCalled("Charge", 42)
	calls := env.Calls("Charge")
	// Waits of 1 and 2 minutes between the attempts, on the virtual clock.
	if d := calls[1].At.Sub(calls[0].At); d != time.Minute {
		t.Errorf("second attempt %s after the first, want 1m", d)
	}
	if d := calls[2].At.Sub(calls[1].At); d != 2*time.Minute {
		t.Errorf("third attempt %s after the second, want 2m", d)
	}
	if calls[0].Err == nil || calls[2].Err != nil {
		t.Errorf("calls: %v", calls)
	}
	if env.Elapsed() != 3*time.Minute {
		t.Errorf("virtual time elapsed %s, want 3m", env.Elapsed())
	}
	if real := time.Since(start); real > time.Second {
		t.Errorf("took %s of real time", real)
	}
}

func TestRetriesExhaustedFailTheOrchestration(t *testing.T) {
	env := durabletest.New(t)
	env.Orchestrator("Retrying", retrying)
	env.MockActivity("Charge").ReturnError(errors.New("card declined"))
	f := env.Start("Retrying", nil).Failure()
	if f == nil || !strings.Contains(f.ErrorMessage, "card declined") {
		t.Fatalf("failure %+v", f)
	}
	env.AssertCallCount("Charge", 4)
}

func TestMockSignatureIsChecked(t *testing.T) {
	ft := &fakeT{TB: t}
	env := durabletest.New(ft)
	env.Activity("Square", func(_ context.Context, n int) (int, error) { return n * n, nil })
	func() {
		defer func() { recover() }()
		env.MockActivity("Square").Do(func(_ context.Context, s string) (int, error) { return 0, nil })
	}()
	if !strings.Contains(ft.msg, "it takes string, but the activity takes int") {
		t.Fatalf("message %q", ft.msg)
	}
	ft.msg = ""
	func() {
		defer func() { recover() }()
		env.MockActivity("Square").Return("nine")
	}()
	if !strings.Contains(ft.msg, "the activity returns int") {
		t.Fatalf("message %q", ft.msg)
	}
}

// fakeT records the first fatal message instead of ending the test.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Fatalf(format string, args ...any) {
	if f.msg == "" {
		f.msg = sprintf(format, args...)
	}
	panic("fatal")
}

func (f *fakeT) Errorf(format string, args ...any) {
	if f.msg == "" {
		f.msg = sprintf(format, args...)
	}
}

func (f *fakeT) Fatal(args ...any) { f.Fatalf("%v", args...) }

// stackT records the stack of the goroutine that reported a failure.
type stackT struct {
	testing.TB
	stacks []string
}

func (s *stackT) Errorf(format string, args ...any) {
	s.stacks = append(s.stacks, sprintf(format, args...)+"\n"+string(debug.Stack()))
}

func TestAMockWithNoAnswerLeftIsReportedFromTheTestsGoroutine(t *testing.T) {
	st := &stackT{TB: t}
	env := durabletest.New(st)
	env.Orchestrator("TwoCharges", func(ctx *durable.OrchestrationContext) (any, error) {
		_ = ctx.CallActivity("Charge", 1).Await(nil)
		return nil, ctx.CallActivity("Charge", 2).Await(nil)
	})
	env.MockActivity("Charge").Return(nil).Once()
	env.Start("TwoCharges", nil).Wait()
	if len(st.stacks) != 1 {
		t.Fatalf("%d failures reported, want 1: %q", len(st.stacks), st.stacks)
	}
	if !strings.Contains(st.stacks[0], "no answer left for call 2") {
		t.Errorf("failure %q does not say the mock ran out of answers", st.stacks[0])
	}
	// Reported on the test's goroutine, t.Helper can point at the test's
	// line (the engine's goroutine would point at the kit's own file).
	if !strings.Contains(st.stacks[0], "TestAMockWithNoAnswerLeftIsReportedFromTheTestsGoroutine") {
		t.Errorf("the failure was reported off the test's goroutine:\n%s", st.stacks[0])
	}
}

func TestTypedHandlesRegisterInTheKitUnderTheirNames(t *testing.T) {
	square := durable.NewActivity("Square", func(_ context.Context, n int) (int, error) { return n * n, nil })
	sum := durable.NewOrchestrator("SumOfSquares", func(ctx *durable.OrchestrationContext, n int) (int, error) {
		total := 0
		for i := 1; i <= n; i++ {
			v, err := square.Call(ctx, i).Await()
			if err != nil {
				return 0, err
			}
			total += v
		}
		return total, nil
	})
	env := durabletest.New(t)
	env.Register(square, sum)
	var out int
	env.Start(sum.Name(), 3).Output(&out)
	if out != 14 {
		t.Fatalf("sum of squares to 3 = %d, want 14", out)
	}
	env.AssertCallOrder("Square", "Square", "Square")
}
