package durable_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/durable"
)

// lockReport describes IsLocked's answer as the orchestration output.
func lockReport(ctx *durable.OrchestrationContext) string {
	locked, ids := ctx.IsLocked()
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id.Name + "/" + id.Key
	}
	return fmt.Sprintf("%v[%s]", locked, strings.Join(names, " "))
}

func TestIsLockedReportsTheCriticalSection(t *testing.T) {
	a, b := durable.NewEntityID("Meter", "a"), durable.NewEntityID("Meter", "b")
	cases := []struct {
		name string
		body func(ctx *durable.OrchestrationContext) (string, error)
		want string
	}{
		{name: "outside a critical section nothing is locked",
			body: func(ctx *durable.OrchestrationContext) (string, error) { return lockReport(ctx), nil },
			want: `"false[]"`},
		{name: "inside, the held entities come in lock order, spelled as passed, once each",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				release, err := ctx.LockEntities(b, a, durable.NewEntityID("meter", "b"))
				if err != nil {
					return "", err
				}
				defer release()
				return lockReport(ctx), nil
			},
			want: `"true[Meter/a Meter/b]"`},
		{name: "after release nothing is locked",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				release, err := ctx.LockEntities(a)
				if err != nil {
					return "", err
				}
				inside := lockReport(ctx)
				release()
				return inside + " then " + lockReport(ctx), nil
			},
			want: `"true[Meter/a] then false[]"`},
		{name: "a refused nested lock leaves the outer section held",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				release, err := ctx.LockEntities(a)
				if err != nil {
					return "", err
				}
				defer release()
				if _, err := ctx.LockEntities(b); err == nil {
					return "nested lock granted", nil
				}
				return lockReport(ctx), nil
			},
			want: `"true[Meter/a]"`},
		{name: "the answer survives replay after an entity call inside the section",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				release, err := ctx.LockEntities(a, b)
				if err != nil {
					return "", err
				}
				defer release()
				if _, err := meterAdd.Call(ctx, "a", 1).Await(); err != nil {
					return "", err
				}
				return lockReport(ctx), nil
			},
			want: `"true[Meter/a Meter/b]"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn := orchestrate(tc.body)
			status, _ := runHandles(t, []durable.Function{fn, meterEntity}, func(ctx context.Context, c *durable.Client) (string, error) {
				return fn.Start(ctx, c, nil)
			})
			if status.RuntimeStatus != durable.StatusCompleted || string(status.Output) != tc.want {
				t.Fatalf("got %s %s (%v), want Completed %s", status.RuntimeStatus, status.Output, status.Failure, tc.want)
			}
		})
	}
}

// The returned slice is the caller's: changing it does not change what
// IsLocked reports next.
func TestIsLockedReturnsACopy(t *testing.T) {
	fn := orchestrate(func(ctx *durable.OrchestrationContext) (string, error) {
		release, err := ctx.LockEntities(durable.NewEntityID("Meter", "a"))
		if err != nil {
			return "", err
		}
		defer release()
		_, ids := ctx.IsLocked()
		ids[0].Key = "changed"
		return lockReport(ctx), nil
	})
	status, _ := runHandles(t, []durable.Function{fn, meterEntity}, func(ctx context.Context, c *durable.Client) (string, error) {
		return fn.Start(ctx, c, nil)
	})
	if got := string(status.Output); got != `"true[Meter/a]"` {
		t.Fatalf("output %s (%v), want true[Meter/a]", got, status.Failure)
	}
}
