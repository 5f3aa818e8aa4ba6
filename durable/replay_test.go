package durable_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// greet calls SayHello twice, the way a deployed version of the code did.
func greet(ctx *durable.OrchestrationContext) (any, error) {
	var out []string
	for _, city := range []string{"Tokyo", "Seattle"} {
		var s string
		if err := ctx.CallActivity("SayHello", city).Await(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// savedHistory runs greet to completion on the memory store and returns its
// history, as an operator would export it from production.
func savedHistory(t *testing.T) (string, []*durable.HistoryEvent) {
	t.Helper()
	reg := durable.NewRegistry()
	if err := reg.AddOrchestrator("Greet", greet); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddActivity("SayHello", durable.ActivityOf(func(_ context.Context, city string) (string, error) {
		return "Hello " + city + "!", nil
	})); err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := rt.Client().StartNew(ctx, "Greet", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Client().WaitForCompletion(ctx, id); err != nil {
		t.Fatal(err)
	}
	st, err := rt.Client().GetStatus(ctx, id, durable.WithHistory())
	if err != nil {
		t.Fatal(err)
	}
	return id, st.History
}

func TestReplayRunsCodeOverASavedHistory(t *testing.T) {
	id, events := savedHistory(t)
	tests := []struct {
		name      string
		fn        durable.OrchestratorFunc
		done      bool
		status    durable.RuntimeStatus
		output    string
		nondeterm bool
		failure   string
	}{
		{name: "the same code ends as history records", fn: greet, done: true, status: durable.StatusCompleted, output: `["Hello Tokyo!","Hello Seattle!"]`},
		{name: "code that calls another activity is nondeterministic", fn: func(ctx *durable.OrchestrationContext) (any, error) {
			var s string
			return nil, ctx.CallActivity("SayGoodbye", "Tokyo").Await(&s)
		}, done: true, status: durable.StatusFailed, nondeterm: true, failure: "SayGoodbye"},
		{name: "code that calls one more activity goes on past the history", fn: func(ctx *durable.OrchestrationContext) (any, error) {
			if _, err := greet(ctx); err != nil {
				return nil, err
			}
			var s string
			return nil, ctx.CallActivity("SayHello", "London").Await(&s)
		}, done: false},
		{name: "a nil function is a failed replay, not a panic", fn: nil, done: true, status: durable.StatusFailed, failure: "nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := durable.Replay(tc.fn, id, events)
			if res.Done != tc.done || (tc.done && res.Status != tc.status) {
				t.Fatalf("done=%v status=%v, want done=%v status=%v (failure %+v)", res.Done, res.Status, tc.done, tc.status, res.Failure)
			}
			if tc.output != "" && string(res.Output) != tc.output {
				t.Errorf("output %s, want %s", res.Output, tc.output)
			}
			if res.Nondeterministic() != tc.nondeterm {
				t.Errorf("Nondeterministic() = %v, want %v (failure %+v)", res.Nondeterministic(), tc.nondeterm, res.Failure)
			}
			if tc.failure != "" && (res.Failure == nil || !strings.Contains(res.Failure.ErrorMessage, tc.failure)) {
				t.Errorf("failure %+v does not mention %q", res.Failure, tc.failure)
			}
			if !tc.done {
				if len(res.NewActions) != 1 || res.NewActions[0].Name != "SayHello" || !strings.Contains(strings.Join(res.Waiting, ","), "SayHello") {
					t.Errorf("new actions %v, waiting %v: want one SayHello call waited on", res.NewActions, res.Waiting)
				}
			}
		})
	}
}

func TestRegistryLooksUpFunctionsByNameIgnoringCase(t *testing.T) {
	reg := durable.NewRegistry()
	if err := reg.AddOrchestrator("Greet", greet); err != nil {
		t.Fatal(err)
	}
	if fn, ok := reg.LookupOrchestrator("greet"); !ok || fn == nil {
		t.Errorf("LookupOrchestrator(greet) = %v, %v", fn, ok)
	}
	if _, ok := reg.LookupActivity("Greet"); ok {
		t.Error("an orchestrator was found as an activity")
	}
	if _, ok := reg.LookupEntity("nope"); ok {
		t.Error("an unregistered entity was found")
	}
}

func TestAnOrchestrationPastMaxOrchestrationActionsFailsWithoutRunningThem(t *testing.T) {
	reg := durable.NewRegistry()
	var calls int
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(reg.AddActivity("Tick", durable.ActivityOf(func(context.Context, int) (int, error) { calls++; return 0, nil })))
	must(reg.AddOrchestrator("Runaway", func(ctx *durable.OrchestrationContext) (any, error) {
		tasks := make([]durable.Task, 6)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Tick", i)
		}
		return nil, ctx.WhenAll(tasks...).Await(nil)
	}))
	rt := durable.NewRuntime(reg, durable.NewMemoryStore(), durable.WithMaxOrchestrationActions(5), durable.WithConcurrency(0, 1, 0))
	rt.Start()
	defer rt.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := rt.Client().StartNew(ctx, "Runaway", nil)
	must(err)
	st, err := rt.Client().WaitForCompletion(ctx, id)
	must(err)
	if st.RuntimeStatus != durable.StatusFailed || st.Failure == nil || !strings.Contains(st.Failure.ErrorMessage, "maxOrchestrationActions") {
		t.Fatalf("status %s, failure %+v", st.RuntimeStatus, st.Failure)
	}
	if calls != 0 {
		t.Errorf("%d activities ran for a failed execution", calls)
	}
}
