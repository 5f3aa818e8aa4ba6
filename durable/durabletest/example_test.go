package durabletest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
)

// Greet says hello to three cities.
func Greet(ctx *durable.OrchestrationContext) (any, error) {
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

// SayHello is the real activity; tests mock it.
func SayHello(_ context.Context, city string) (string, error) { return "Hello " + city + "!", nil }

// Approve asks for approval and escalates after the timeout.
func Approve(ctx *durable.OrchestrationContext) (any, error) {
	var hours int
	if err := ctx.GetInput(&hours); err != nil {
		return nil, err
	}
	timeout := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Duration(hours) * time.Hour))
	approval := ctx.WaitForExternalEvent("ApprovalEvent")
	var winner durable.Task
	if err := ctx.WhenAny(approval, timeout).Await(&winner); err != nil {
		return nil, err
	}
	if winner == timeout {
		return "escalated at " + ctx.CurrentUTCDateTime().Format(time.RFC3339), nil
	}
	timeout.Cancel()
	return "approved at " + ctx.CurrentUTCDateTime().Format(time.RFC3339), nil
}

// Mocked activities: by name, with a value, an error or a function whose
// signature is checked against the real one; then assertions on the calls.
func Example_mocks() {
	t := newExampleT() // in a test: the test's *testing.T
	defer t.cleanup()

	env := durabletest.New(t)
	env.Orchestrator("Greet", Greet)
	env.Activity("SayHello", SayHello)
	hello := env.MockActivity("SayHello")
	hello.Return("Konnichiwa!").Once()
	hello.ReturnError(errors.New("Seattle is offline")).Once()
	hello.Do(func(_ context.Context, city string) (string, error) { return "Hi " + city, nil })

	fmt.Println(env.Start("Greet", nil).Failure().ErrorMessage)

	var out []string
	env.Start("Greet", nil).Output(&out)
	fmt.Println(out)
	fmt.Println(env.CallCount("SayHello"), env.Calls("SayHello")[1])
	env.AssertCalled("SayHello", "London")
	// Output:
	// activity 'SayHello' (task 1) failed: Seattle is offline
	// [Hi Tokyo Hi Seattle Hi London]
	// 5 SayHello("Seattle") → error: Seattle is offline
}

// Time skipping: the 72-hour timeout fires as soon as nothing else can
// make progress, and CurrentUTCDateTime jumps to it.
func Example_timeSkipping() {
	t := newExampleT()
	defer t.cleanup()

	env := durabletest.New(t)
	env.Orchestrator("Approve", Approve)

	env.RaiseEventAfter(80*time.Hour, "ApprovalEvent", true) // too late
	var out string
	env.Start("Approve", 72).Output(&out)
	fmt.Println(out)

	env.RaiseEventAfter(2*time.Hour, "ApprovalEvent", true)
	env.Start("Approve", 72).Output(&out)
	fmt.Println(out)
	// Output:
	// escalated at 2030-01-04T00:00:00Z
	// approved at 2030-01-04T02:00:00Z
}

// Saved-history replay: check a code change against a history saved from
// a real instance before deploying it.
func Example_savedHistoryReplay() {
	t := newExampleT()
	defer t.cleanup()

	// Normally: data, _ := os.ReadFile("testdata/greet-history.json"),
	// saved with `durablefunc history export <id>` or from
	// GET /instances/{id}?showHistory=true&showHistoryOutput=true.
	env := durabletest.New(t)
	env.Orchestrator("Greet", Greet)
	env.Activity("SayHello", SayHello)
	data := env.Start("Greet", nil).Wait().ExportHistory()

	res := durabletest.ReplayHistory(t, Greet, data)
	fmt.Println(res.Status, string(res.Output))

	changed := func(ctx *durable.OrchestrationContext) (any, error) {
		if err := ctx.CallActivity("SayGoodbye", "Paris").Await(nil); err != nil {
			return nil, err
		}
		return Greet(ctx)
	}
	_, err := durabletest.CheckReplay(changed, data)
	fmt.Println(err)
	// Output:
	// Completed ["Hello Tokyo!","Hello Seattle!","Hello London!"]
	// durabletest: orchestration "Greet" (instance "Greet-1") diverged from its saved history: Non-Deterministic workflow detected: A previous execution of this orchestration scheduled an activity task named 'SayHello' with sequence number 0, but the current replay execution instead scheduled an activity task named 'SayGoodbye' with this sequence number. Was a change made to the orchestrator code after this instance had already started running?
}

// exampleT stands in for *testing.T in runnable examples.
type exampleT struct{ cleanups []func() }

func newExampleT() *exampleT { return &exampleT{} }

func (t *exampleT) Helper() {}
func (t *exampleT) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (t *exampleT) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (t *exampleT) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
