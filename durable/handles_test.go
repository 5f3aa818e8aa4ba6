package durable_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// runHandles registers fns on a runtime over the memory store, starts an
// instance with start, and returns its final status and the client.
func runHandles(t *testing.T, fns []durable.Function, start func(context.Context, *durable.Client) (string, error)) (*durable.Status, *durable.Client) {
	t.Helper()
	reg := durable.NewRegistry()
	if err := reg.Register(fns...); err != nil {
		t.Fatalf("Register: %v", err)
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
	rt.Start()
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := start(ctx, rt.Client())
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	status, err := rt.Client().WaitForCompletion(ctx, id)
	if err != nil {
		t.Fatalf("WaitForCompletion: %v", err)
	}
	return status, rt.Client()
}

var (
	greetActivity = durable.NewActivity("SayHello", func(_ context.Context, city string) (string, error) {
		return "Hello " + city + "!", nil
	})
	squareActivity = durable.NewActivity("Square", func(_ context.Context, n int) (int, error) { return n * n, nil })
	failActivity   = durable.NewActivity("Fail", func(_ context.Context, why string) (int, error) { return 0, errors.New(why) })
	greetMany      = durable.NewOrchestrator("GreetMany", func(ctx *durable.OrchestrationContext, cities []string) ([]string, error) {
		var out []string
		for _, city := range cities {
			g, err := greetActivity.Call(ctx, city).Await()
			if err != nil {
				return nil, err
			}
			out = append(out, g)
		}
		return out, nil
	})
)

// orchestrate makes a handle-registering case out of one orchestrator body.
func orchestrate[Out any](body func(ctx *durable.OrchestrationContext) (Out, error)) durable.Orchestrator[any, Out] {
	return durable.NewOrchestrator("Case", func(ctx *durable.OrchestrationContext, _ any) (Out, error) { return body(ctx) })
}

func TestTypedHandlesCallFunctionsAndReturnTypedResults(t *testing.T) {
	flaky := int32(0)
	flakyActivity := durable.NewActivity("Flaky", func(_ context.Context, n int) (int, error) {
		if atomic.AddInt32(&flaky, 1) < 3 {
			return 0, errors.New("not yet")
		}
		return n, nil
	})
	cases := []struct {
		name string
		fn   durable.Orchestrator[any, string]
		want string
	}{
		{"an activity handle returns the activity's typed result", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			return greetActivity.Call(ctx, "Tokyo").Await()
		}), `"Hello Tokyo!"`},
		{"a sub-orchestrator handle returns the child's typed output", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			out, err := greetMany.CallSubOrchestrator(ctx, []string{"Oslo", "Lima"}, durable.WithInstanceID(ctx.InstanceID()+"-child")).Await()
			return strings.Join(out, " "), err
		}), `"Hello Oslo! Hello Lima!"`},
		{"a typed task joins WhenAll with a plain task", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			typed := greetActivity.Call(ctx, "Paris")
			plain := ctx.CallActivity("Square", 3)
			if err := ctx.WhenAll(typed.Task, plain).Await(nil); err != nil {
				return "", err
			}
			g, err := typed.Await()
			var n int
			if err == nil {
				err = plain.Await(&n)
			}
			return fmt.Sprint(g, " ", n), err
		}), `"Hello Paris! 9"`},
		{"WhenAllOf gathers typed results in order", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			tasks := []durable.TaskOf[int]{squareActivity.Call(ctx, 1), squareActivity.Call(ctx, 2), squareActivity.Call(ctx, 3)}
			squares, err := durable.WhenAllOf(ctx, tasks...).Await()
			return fmt.Sprint(squares), err
		}), `"[1 4 9]"`},
		{"WhenAllOf of no tasks completes with no results", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			squares, err := durable.WhenAllOf[int](ctx).Await()
			return fmt.Sprint(len(squares)), err
		}), `"0"`},
		{"a typed task wins WhenAny against a far timer", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			greeting := greetActivity.Call(ctx, "Rome")
			timer := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Hour))
			var winner durable.Task
			if err := ctx.WhenAny(greeting.Task, timer).Await(&winner); err != nil {
				return "", err
			}
			timer.Cancel()
			if winner != greeting.Task {
				return "the timer won", nil
			}
			return greeting.Await()
		}), `"Hello Rome!"`},
		{"a failed call gives the zero result and a TaskFailedError", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			n, err := failActivity.Call(ctx, "broken").Await()
			var failed *durable.TaskFailedError
			return fmt.Sprint(n, " ", errors.As(err, &failed), " ", strings.Contains(fmt.Sprint(err), "broken")), nil
		}), `"0 true true"`},
		{"WithRetry applies to a handle call", orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
			n, err := flakyActivity.Call(ctx, 7, durable.WithRetry(durable.RetryPolicy{MaxAttempts: 3, FirstRetryInterval: time.Millisecond})).Await()
			return fmt.Sprint(n), err
		}), `"7"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fns := []durable.Function{tc.fn, greetMany, greetActivity, squareActivity, failActivity, flakyActivity}
			status, _ := runHandles(t, fns, func(ctx context.Context, c *durable.Client) (string, error) {
				return tc.fn.Start(ctx, c, nil)
			})
			if status.RuntimeStatus != durable.StatusCompleted || string(status.Output) != tc.want {
				t.Fatalf("got %s %s (%v), want Completed %s", status.RuntimeStatus, status.Output, status.Failure, tc.want)
			}
		})
	}
}

func TestOrchestratorHandleStartsWithATypedInputAndOptions(t *testing.T) {
	status, _ := runHandles(t, []durable.Function{greetMany, greetActivity}, func(ctx context.Context, c *durable.Client) (string, error) {
		id, err := greetMany.Start(ctx, c, []string{"Kyiv"}, durable.WithInstanceID("greet-1"))
		if err == nil && id != "greet-1" {
			t.Errorf("id %q, want the chosen greet-1", id)
		}
		return id, err
	})
	if got := string(status.Output); got != `["Hello Kyiv!"]` || status.Name != "GreetMany" {
		t.Fatalf("%s output %s, want GreetMany output [\"Hello Kyiv!\"]", status.Name, got)
	}
}

func TestRegisterByHandle(t *testing.T) {
	noop := func(ctx *durable.EntityContext) error { return nil }
	cases := []struct {
		name string
		// setup runs before Register(fns...), with the string forms.
		setup   func(r *durable.Registry) error
		fns     []durable.Function
		wantErr error
		// sameAs, when set, is the string form whose error text Register
		// must repeat.
		sameAs func(r *durable.Registry) error
		// registered lists names that must be registered afterwards.
		registered []string
	}{
		{name: "handles register under their own names",
			fns:        []durable.Function{greetActivity, greetMany, durable.NewEntity("Meter", noop)},
			registered: []string{"SayHello", "GreetMany", "Meter"}},
		{name: "the same activity handle twice fails with ErrDuplicateFunction",
			fns: []durable.Function{greetActivity, greetActivity}, wantErr: durable.ErrDuplicateFunction},
		{name: "an activity handle whose name a string registration took fails like AddActivity",
			setup:   func(r *durable.Registry) error { return r.AddActivity("sayhello", greetActivity.Func()) },
			fns:     []durable.Function{greetActivity},
			wantErr: durable.ErrDuplicateFunction,
			sameAs:  func(r *durable.Registry) error { return r.AddActivity("SayHello", greetActivity.Func()) }},
		{name: "an orchestrator handle whose name is taken fails like AddOrchestrator",
			setup:   func(r *durable.Registry) error { return r.AddOrchestrator("GREETMANY", greetMany.Func()) },
			fns:     []durable.Function{greetMany},
			wantErr: durable.ErrDuplicateFunction,
			sameAs:  func(r *durable.Registry) error { return r.AddOrchestrator("GreetMany", greetMany.Func()) }},
		{name: "an entity handle whose name is taken fails like AddEntity",
			setup:   func(r *durable.Registry) error { return r.AddEntity("meter", noop) },
			fns:     []durable.Function{durable.NewEntity("Meter", noop)},
			wantErr: durable.ErrDuplicateFunction,
			sameAs:  func(r *durable.Registry) error { return r.AddEntity("Meter", noop) }},
		{name: "an empty name fails with ErrInvalidName",
			fns: []durable.Function{durable.NewActivity("", func(context.Context, int) (int, error) { return 0, nil })}, wantErr: durable.ErrInvalidName},
		{name: "a nil function fails with ErrInvalidName like AddOrchestrator",
			fns:     []durable.Function{durable.NewOrchestrator[int, int]("Nothing", nil)},
			wantErr: durable.ErrInvalidName,
			sameAs:  func(r *durable.Registry) error { return r.AddOrchestrator("Nothing", nil) }},
		{name: "the zero handle fails with ErrInvalidName",
			fns: []durable.Function{durable.Activity[int, int]{}}, wantErr: durable.ErrInvalidName},
		{name: "a nil handle fails with ErrInvalidName",
			fns: []durable.Function{nil}, wantErr: durable.ErrInvalidName},
		{name: "a failed handle does not stop the ones after it",
			fns:     []durable.Function{greetActivity, greetActivity, squareActivity},
			wantErr: durable.ErrDuplicateFunction, registered: []string{"SayHello", "Square"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg := durable.NewRegistry()
			if tc.setup != nil {
				if err := tc.setup(reg); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			err := reg.Register(tc.fns...)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Register: %v, want %v", err, tc.wantErr)
			}
			if tc.sameAs != nil {
				if want := tc.sameAs(reg); err.Error() != want.Error() {
					t.Errorf("Register says %q, the string form says %q", err, want)
				}
			}
			all := slices.Concat(reg.Orchestrators(), reg.Activities(), reg.Entities())
			for _, name := range tc.registered {
				if !slices.Contains(all, name) {
					t.Errorf("%s is not registered (registered: %v)", name, all)
				}
			}
		})
	}
}
