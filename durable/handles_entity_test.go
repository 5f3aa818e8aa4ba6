package durable_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// meter is a typed entity for the entity-handle tests.
type meter struct{ Value int }

func (m *meter) Add(n int) { m.Value += n }
func (m *meter) Get() int  { return m.Value }
func (m *meter) Fail(why string) error {
	return errors.New(why)
}

var (
	meterEntity = durable.NewEntity("Meter", durable.EntityOf[meter]())
	meterAdd    = durable.NewEntityOperation[int, struct{}](meterEntity.Name(), "add")
	meterGet    = durable.NewEntityOperation[any, int](meterEntity.Name(), "get")
	meterFail   = durable.NewEntityOperation[string, struct{}](meterEntity.Name(), "fail")
	// relay forwards every operation it gets to the meter of the same key
	// as an "add" of its input: an entity signaling through a handle.
	relayEntity = durable.NewEntity("Relay", func(ctx *durable.EntityContext) error {
		var n int
		if err := ctx.GetInput(&n); err != nil {
			return err
		}
		return meterAdd.Signal(ctx, ctx.ID().Key, n)
	})
	relayForward = durable.NewEntityOperation[int, struct{}](relayEntity.Name(), "forward")
)

func TestEntityOperationHandles(t *testing.T) {
	cases := []struct {
		name string
		// before runs from the client before the orchestration starts.
		before func(ctx context.Context, c *durable.Client) error
		body   func(ctx *durable.OrchestrationContext) (string, error)
		want   string
		// state is the meter "m"'s state at the end (JSON).
		state string
	}{
		{name: "Call runs the operation and returns its typed result",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				if _, err := meterAdd.Call(ctx, "m", 4).Await(); err != nil {
					return "", err
				}
				n, err := meterGet.Call(ctx, "m", nil).Await()
				return fmt.Sprint(n), err
			},
			want: `"4"`, state: `{"Value":4}`},
		{name: "Signal from an orchestration is applied before a later call",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				if err := meterAdd.Signal(ctx, "m", 3); err != nil {
					return "", err
				}
				n, err := meterGet.Call(ctx, "m", nil).Await()
				return fmt.Sprint(n), err
			},
			want: `"3"`, state: `{"Value":3}`},
		{name: "SignalFromClient is applied",
			before: func(ctx context.Context, c *durable.Client) error {
				return meterAdd.SignalFromClient(ctx, c, "m", 10)
			},
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				n, err := meterGet.Call(ctx, "m", nil).Await()
				return fmt.Sprint(n), err
			},
			want: `"10"`, state: `{"Value":10}`},
		{name: "Signal from an entity reaches the other entity",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				if _, err := relayForward.Call(ctx, "m", 6).Await(); err != nil {
					return "", err
				}
				// The relay's signal is sent when its operation completes;
				// wait until the meter has it.
				for i := 0; i < 50; i++ {
					n, err := meterGet.Call(ctx, "m", nil).Await()
					if err != nil || n == 6 {
						return fmt.Sprint(n), err
					}
					if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(10 * time.Millisecond)).Await(nil); err != nil {
						return "", err
					}
				}
				return "the signal never arrived", nil
			},
			want: `"6"`, state: `{"Value":6}`},
		{name: "a failing operation gives the zero result and a TaskFailedError",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				if _, err := meterAdd.Call(ctx, "m", 1).Await(); err != nil {
					return "", err
				}
				_, err := meterFail.Call(ctx, "m", "out of order").Await()
				var failed *durable.TaskFailedError
				return fmt.Sprint(errors.As(err, &failed), " ", strings.Contains(fmt.Sprint(err), "out of order")), nil
			},
			want: `"true true"`, state: `{"Value":1}`},
		{name: "inside a critical section a handle calls the locked entity and may not signal it",
			body: func(ctx *durable.OrchestrationContext) (string, error) {
				release, err := ctx.LockEntities(meterAdd.ID("m"))
				if err != nil {
					return "", err
				}
				defer release()
				if _, err := meterAdd.Call(ctx, "m", 2).Await(); err != nil {
					return "", err
				}
				err = meterAdd.Signal(ctx, "m", 1)
				var violation *durable.LockingRulesViolationError
				return fmt.Sprint("signal refused: ", errors.As(err, &violation)), nil
			},
			want: `"signal refused: true"`, state: `{"Value":2}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn := orchestrate(tc.body)
			status, c := runHandles(t, []durable.Function{fn, meterEntity, relayEntity}, func(ctx context.Context, c *durable.Client) (string, error) {
				if tc.before != nil {
					if err := tc.before(ctx, c); err != nil {
						return "", err
					}
				}
				return fn.Start(ctx, c, nil)
			})
			if status.RuntimeStatus != durable.StatusCompleted || string(status.Output) != tc.want {
				t.Fatalf("got %s %s (%v), want Completed %s", status.RuntimeStatus, status.Output, status.Failure, tc.want)
			}
			md, err := c.ReadEntityState(context.Background(), meterEntity.ID("m"))
			if err != nil {
				t.Fatalf("ReadEntityState: %v", err)
			}
			if got := compactJSON(t, md.State); got != tc.state {
				t.Errorf("meter state %s, want %s", got, tc.state)
			}
		})
	}
}

func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("state %q: %v", raw, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEntityOperationHandleNamesTheEntityAndOperation(t *testing.T) {
	if id := meterAdd.ID("k"); id != durable.NewEntityID("Meter", "k") {
		t.Errorf("ID %v, want Meter@k", id)
	}
	if meterAdd.EntityName() != "Meter" || meterAdd.Operation() != "add" {
		t.Errorf("names %q and %q, want Meter and add", meterAdd.EntityName(), meterAdd.Operation())
	}
}
