package durabletest_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
	"github.com/godurable/durablefunctions/webhooks"
)

// orderV1 is the code that ran in "production"; orderV2 swaps a step, a
// change that breaks instances in flight; orderV3 changes only what is
// computed from results, which replays cleanly but returns another output.
func orderV1(ctx *durable.OrchestrationContext) (any, error) {
	var id string
	if err := ctx.CallActivity("Reserve", "book").Await(&id); err != nil {
		return nil, err
	}
	if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(10 * time.Millisecond)).Await(nil); err != nil {
		return nil, err
	}
	tasks := []durable.Task{ctx.CallActivity("Pack", id), ctx.CallActivity("Bill", id)}
	if err := ctx.WhenAll(tasks...).Await(nil); err != nil {
		return nil, err
	}
	var receipt string
	err := ctx.CallActivity("Ship", id).Await(&receipt)
	return receipt, err
}

func orderV2(ctx *durable.OrchestrationContext) (any, error) {
	var id string
	if err := ctx.CallActivity("Reserve", "book").Await(&id); err != nil {
		return nil, err
	}
	if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(10 * time.Millisecond)).Await(nil); err != nil {
		return nil, err
	}
	// Billing first now: a different activity at sequence number 2.
	tasks := []durable.Task{ctx.CallActivity("Bill", id), ctx.CallActivity("Pack", id)}
	if err := ctx.WhenAll(tasks...).Await(nil); err != nil {
		return nil, err
	}
	var receipt string
	err := ctx.CallActivity("Ship", id).Await(&receipt)
	return receipt, err
}

func orderV3(ctx *durable.OrchestrationContext) (any, error) {
	out, err := orderV1(ctx)
	if err != nil {
		return nil, err
	}
	return strings.ToUpper(out.(string)), nil
}

func orderActivities(reg interface {
	AddActivity(string, durable.ActivityFunc) error
}) {
	_ = reg.AddActivity("Reserve", durable.ActivityOf(func(_ context.Context, item string) (string, error) { return "r-" + item, nil }))
	_ = reg.AddActivity("Pack", durable.ActivityOf(func(_ context.Context, id string) (string, error) { return "packed", nil }))
	_ = reg.AddActivity("Bill", durable.ActivityOf(func(_ context.Context, id string) (string, error) { return "billed", nil }))
	_ = reg.AddActivity("Ship", durable.ActivityOf(func(_ context.Context, id string) (string, error) { return "shipped " + id, nil }))
}

// kitHistory runs orderV1 in the kit and exports its history.
func kitHistory(t *testing.T) []byte {
	env := durabletest.New(t)
	env.Orchestrator("Order", orderV1)
	orderActivities(env.Registry())
	return env.Start("Order", nil).Wait().ExportHistory()
}

// productionStatus runs orderV1 on a real runtime (wall clock) and returns
// GET /instances/{id}?showHistory=true&showHistoryOutput=true.
func productionStatus(t *testing.T, wait bool) []byte {
	reg := durable.NewRegistry()
	_ = reg.AddOrchestrator("Order", orderV1)
	orderActivities(reg)
	// One activity at a time: Pack and Bill, scheduled in the same episode,
	// then complete in the order they were scheduled, which the status
	// shape needs to be rebuilt exactly (see LoadHistory).
	rt := durable.NewRuntime(reg, durable.NewMemoryStore(), durable.WithConcurrency(0, 1, 0))
	rt.Start()
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := rt.Client().StartNew(ctx, "Order", nil)
	if err != nil {
		t.Fatal(err)
	}
	if wait {
		if _, err := rt.Client().WaitForCompletion(ctx, id); err != nil {
			t.Fatal(err)
		}
	} else {
		for { // until the timer is pending
			st, _ := rt.Client().GetStatus(ctx, id, durable.WithHistory())
			if st != nil && len(st.History) > 0 && strings.Contains(st.History[len(st.History)-2].EventType.String(), "TimerCreated") {
				break
			}
			time.Sleep(time.Millisecond)
		}
		_ = rt.Stop(ctx)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/runtime/webhooks/durabletask/instances/"+id+"?showHistory=true&showHistoryOutput=true", nil)
	webhooks.New(rt.Client()).ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != 200 && rec.Code != 202 {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	return body
}

func TestSavedHistoryReplaysCleanly(t *testing.T) {
	for name, data := range map[string][]byte{"export": kitHistory(t), "status JSON": productionStatus(t, true)} {
		t.Run(name, func(t *testing.T) {
			res := durabletest.ReplayHistory(t, orderV1, data)
			if res.Status != durable.StatusCompleted || string(res.Output) != `"shipped r-book"` {
				t.Fatalf("replay %+v", res)
			}
		})
	}
}

func TestChangedOrchestratorFailsWithTheNondeterminismMessage(t *testing.T) {
	for name, data := range map[string][]byte{"export": kitHistory(t), "status JSON": productionStatus(t, true)} {
		t.Run(name, func(t *testing.T) {
			_, err := durabletest.CheckReplay(orderV2, data)
			var div *durabletest.DivergenceError
			if !errors.As(err, &div) {
				t.Fatalf("err %v", err)
			}
			t.Log(err)
			if div.Failure == nil || div.Failure.ErrorType != "NonDeterministicOrchestrationError" ||
				!strings.Contains(err.Error(), "Non-Deterministic workflow detected") ||
				!strings.Contains(err.Error(), "scheduled an activity task named 'Pack' with sequence number 2") {
				t.Fatalf("err %v", err)
			}
			// ReplayHistory fails the test with that message.
			ft := &fakeT{TB: t}
			func() {
				defer func() { recover() }()
				durabletest.ReplayHistory(ft, orderV2, data)
			}()
			if !strings.Contains(ft.msg, "Non-Deterministic workflow detected") {
				t.Fatalf("ReplayHistory reported %q", ft.msg)
			}
		})
	}
}

func TestChangedOutputIsADivergence(t *testing.T) {
	_, err := durabletest.CheckReplay(orderV3, kitHistory(t))
	if err == nil || !strings.Contains(err.Error(), `records the output "shipped r-book", but the current code returns "SHIPPED R-BOOK"`) {
		t.Fatalf("err %v", err)
	}
}

func TestRunningInstanceFromStatusJSON(t *testing.T) {
	data := productionStatus(t, false) // stopped while its timer was pending
	res, err := durabletest.CheckReplay(orderV1, data)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != durable.StatusRunning || !res.Reconstructed || len(res.NewActions) != 0 {
		t.Fatalf("replay %+v", res)
	}
	// A change after the point the instance reached is safe.
	if _, err := durabletest.CheckReplay(orderV2, data); err != nil {
		t.Fatalf("a change past the instance's progress was rejected: %v", err)
	}
}

func TestLoadHistoryRejectsGarbage(t *testing.T) {
	for _, in := range []string{"", "{}", "[1,2]", `{"historyEvents":[{"EventType":"Nope"}]}`} {
		if _, err := durabletest.LoadHistory([]byte(in)); err == nil {
			t.Errorf("LoadHistory(%q) succeeded", in)
		}
	}
}
