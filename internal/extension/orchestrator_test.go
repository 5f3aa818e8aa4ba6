package extension_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

func registry(t *testing.T) *durable.Registry {
	t.Helper()
	reg := durable.NewRegistry()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(reg.AddOrchestrator("Chain", func(ctx *durable.OrchestrationContext) (any, error) {
		var out []string
		for _, c := range []string{"Tokyo", "Seattle", "London"} {
			var s string
			if err := ctx.CallActivity("SayHello", c).Await(&s); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}))
	must(reg.AddOrchestrator("FanOut", func(ctx *durable.OrchestrationContext) (any, error) {
		var tasks []durable.Task
		for i := 1; i <= 5; i++ {
			tasks = append(tasks, ctx.CallActivity("Square", i))
		}
		if err := ctx.WhenAll(tasks...).Await(nil); err != nil {
			return nil, err
		}
		sum := 0
		for _, t := range tasks {
			var v int
			_ = t.Await(&v)
			sum += v
		}
		return sum, nil
	}))
	must(reg.AddOrchestrator("Approval", func(ctx *durable.OrchestrationContext) (any, error) {
		_ = ctx.SetCustomStatus("waiting")
		timer := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Hour))
		approval := ctx.WaitForExternalEvent("ApprovalEvent")
		winner := ctx.WhenAny(timer, approval)
		var w durable.Task
		if err := winner.Await(&w); err != nil {
			return nil, err
		}
		if !approval.IsDone() {
			return "escalated", nil
		}
		timer.Cancel()
		var ok bool
		if err := approval.Await(&ok); err != nil {
			return nil, err
		}
		_ = ctx.SetCustomStatus("decided")
		if ok {
			return "approved", nil
		}
		return "rejected", nil
	}))
	must(reg.AddOrchestrator("Retry", func(ctx *durable.OrchestrationContext) (any, error) {
		var s string
		err := ctx.CallActivity("Flaky", nil, durable.WithRetry(durable.RetryPolicy{MaxAttempts: 3, FirstRetryInterval: time.Second})).Await(&s)
		return s, err
	}))
	must(reg.AddOrchestrator("Parent", func(ctx *durable.OrchestrationContext) (any, error) {
		var out []string
		if err := ctx.CallSubOrchestrator("Chain", nil).Await(&out); err != nil {
			return nil, err
		}
		return len(out), nil
	}))
	must(reg.AddOrchestrator("Counter", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		_ = ctx.GetInput(&n)
		var add int
		if err := ctx.WaitForExternalEvent("add").Await(&add); err != nil {
			return nil, err
		}
		if n+add >= 3 {
			return n + add, nil
		}
		return nil, ctx.ContinueAsNew(n+add, durable.WithKeepUnprocessedEvents())
	}))
	must(reg.AddOrchestrator("Fails", func(ctx *durable.OrchestrationContext) (any, error) {
		return nil, errors.New("it went wrong")
	}))
	return reg
}

func activities() map[string]activityFunc {
	attempts := 0
	return map[string]activityFunc{
		"SayHello": greet,
		"Square": func(in string) (string, error) {
			n, _ := strconv.Atoi(in)
			return strconv.Itoa(n * n), nil
		},
		"Flaky": func(string) (string, error) {
			attempts++
			if attempts < 3 {
				return "", errors.New("not yet")
			}
			return `"third time lucky"`, nil
		},
	}
}

func TestAChainedOrchestrationCompletesWithEveryGreetingInOrder(t *testing.T) {
	d := newDriver(t, registry(t), activities())
	c := d.run("Chain", "i1", "")
	if got := describe(c); got != `ORCHESTRATION_STATUS_COMPLETED ["Hello Tokyo!","Hello Seattle!","Hello London!"]` {
		t.Fatalf("got %s", got)
	}
	if d.episodes != 4 {
		t.Errorf("took %d episodes, want 4 (one per activity, then the end)", d.episodes)
	}
}

func TestAFanOutSchedulesEveryActivityInOneEpisodeAndSumsTheResults(t *testing.T) {
	reg := registry(t)
	x := extension.NewExecutor(reg, extension.Options{})
	resp := x.Orchestrate(context.Background(), mustMarshal(t, &pb.OrchestratorRequest{InstanceId: "f",
		NewEvents: []*pb.HistoryEvent{orchStarted(t0), started("FanOut", "f", "", t0)}}))
	if len(resp.GetActions()) != 5 {
		t.Fatalf("got %d actions, want 5", len(resp.GetActions()))
	}
	for i, a := range resp.GetActions() {
		if a.GetId() != int32(i) || a.GetScheduleTask().GetName() != "Square" || a.GetScheduleTask().GetInput().GetValue() != strconv.Itoa(i+1) {
			t.Errorf("action %d = %v", i, a)
		}
	}
	if got := describe(newDriver(t, reg, activities()).run("FanOut", "f", "")); got != "ORCHESTRATION_STATUS_COMPLETED 55" {
		t.Fatalf("got %s", got)
	}
}

func TestAnApprovalEventBeatsTheTimerAndSetsTheCustomStatus(t *testing.T) {
	d := newDriver(t, registry(t), activities())
	d.early = append(d.early, raised("ApprovalEvent", "true", t0))
	if got := describe(d.run("Approval", "a", "")); got != `ORCHESTRATION_STATUS_COMPLETED "approved"` {
		t.Fatalf("got %s", got)
	}
}

func TestWithoutAnApprovalTheTimerWinsAndTheOrchestrationEscalates(t *testing.T) {
	reg := registry(t)
	x := extension.NewExecutor(reg, extension.Options{})
	first := x.Orchestrate(context.Background(), mustMarshal(t, &pb.OrchestratorRequest{InstanceId: "a",
		NewEvents: []*pb.HistoryEvent{orchStarted(t0), started("Approval", "a", "", t0)}}))
	if first.GetCustomStatus().GetValue() != `"waiting"` {
		t.Errorf("custom status %v, want \"waiting\"", first.GetCustomStatus())
	}
	timer := first.GetActions()[0].GetCreateTimer()
	if timer == nil || !timer.GetFireAt().AsTime().Equal(t0.Add(time.Hour)) {
		t.Fatalf("first action %v, want a timer at %s", first.GetActions()[0], t0.Add(time.Hour))
	}
	d := newDriver(t, reg, activities())
	if got := describe(d.run("Approval", "a", "")); got != `ORCHESTRATION_STATUS_COMPLETED "escalated"` {
		t.Fatalf("got %s", got)
	}
}

func TestAFlakyActivityIsRetriedOnADurableTimerUntilItSucceeds(t *testing.T) {
	d := newDriver(t, registry(t), activities())
	if got := describe(d.run("Retry", "r", "")); got != `ORCHESTRATION_STATUS_COMPLETED "third time lucky"` {
		t.Fatalf("got %s", got)
	}
}

func TestASubOrchestrationsResultReachesItsParent(t *testing.T) {
	d := newDriver(t, registry(t), activities())
	if got := describe(d.run("Parent", "p", "")); got != "ORCHESTRATION_STATUS_COMPLETED 3" {
		t.Fatalf("got %s", got)
	}
}

func TestContinueAsNewCarriesTheNewInputAndTheUnconsumedEvents(t *testing.T) {
	reg := registry(t)
	x := extension.NewExecutor(reg, extension.Options{})
	resp := x.Orchestrate(context.Background(), mustMarshal(t, &pb.OrchestratorRequest{InstanceId: "c",
		NewEvents: []*pb.HistoryEvent{orchStarted(t0), started("Counter", "c", "0", t0), raised("add", "1", t0), raised("add", "1", t0)}}))
	c := resp.GetActions()[len(resp.GetActions())-1].GetCompleteOrchestration()
	if c.GetOrchestrationStatus() != pb.OrchestrationStatus_ORCHESTRATION_STATUS_CONTINUED_AS_NEW || c.GetResult().GetValue() != "1" {
		t.Fatalf("completion %v, want ContinuedAsNew with input 1", c)
	}
	if len(c.GetCarryoverEvents()) != 1 || c.GetCarryoverEvents()[0].GetEventRaised().GetName() != "add" {
		t.Fatalf("carried over %v, want the second add event", c.GetCarryoverEvents())
	}
	d := newDriver(t, reg, activities())
	d.events = append(d.events, raised("add", "1", t0), raised("add", "1", t0), raised("add", "1", t0))
	if got := describe(d.run("Counter", "c", "0")); got != "ORCHESTRATION_STATUS_COMPLETED 3" {
		t.Fatalf("got %s", got)
	}
}

func TestAnOrchestratorErrorFailsTheInstanceWithItsMessage(t *testing.T) {
	d := newDriver(t, registry(t), activities())
	c := d.run("Fails", "x", "")
	if c.GetOrchestrationStatus() != pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED || !strings.Contains(c.GetFailureDetails().GetErrorMessage(), "it went wrong") {
		t.Fatalf("got %s", describe(c))
	}
}

func TestChangedCodeIsReportedAsNondeterministic(t *testing.T) {
	x := extension.NewExecutor(registry(t), extension.Options{})
	scheduled := ev(0, t0)
	scheduled.EventType = &pb.HistoryEvent_TaskScheduled{TaskScheduled: &pb.TaskScheduledEvent{Name: "SomethingElse"}}
	resp := x.Orchestrate(context.Background(), mustMarshal(t, &pb.OrchestratorRequest{InstanceId: "n",
		PastEvents: []*pb.HistoryEvent{orchStarted(t0), started("Chain", "n", "", t0), scheduled},
		NewEvents:  []*pb.HistoryEvent{orchStarted(t0)}}))
	c := resp.GetActions()[len(resp.GetActions())-1].GetCompleteOrchestration()
	if c.GetOrchestrationStatus() != pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED ||
		!strings.Contains(c.GetFailureDetails().GetErrorMessage(), "Non-Deterministic") {
		t.Fatalf("got %s", describe(c))
	}
	if len(resp.GetActions()) != 1 {
		t.Errorf("a nondeterministic episode must take no actions, got %d", len(resp.GetActions()))
	}
}

func TestBadRequestsFailTheInstanceWithAMessageSayingWhatWasWrong(t *testing.T) {
	x := extension.NewExecutor(registry(t), extension.Options{})
	cases := []struct{ name, request, want string }{
		{"not base64", "%%%", "not base64"},
		{"not protobuf", base64.StdEncoding.EncodeToString([]byte{0xff, 0xff, 0xff}), "not an OrchestratorRequest"},
		{"no instance id", b64(t, &pb.OrchestratorRequest{}), "no instanceId"},
		{"no start event", b64(t, &pb.OrchestratorRequest{InstanceId: "i", NewEvents: []*pb.HistoryEvent{orchStarted(t0)}}), "no ExecutionStarted"},
		{"unknown orchestrator", b64(t, &pb.OrchestratorRequest{InstanceId: "i", NewEvents: []*pb.HistoryEvent{orchStarted(t0), started("Nope", "i", "", t0)}}), "Nope"},
		{"a null event", b64(t, &pb.OrchestratorRequest{InstanceId: "i", NewEvents: []*pb.HistoryEvent{{EventId: -1}}}), "type this worker does not know"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := decodeResponse(t, x.OrchestrateBase64(context.Background(), c.request))
			done := resp.GetActions()[len(resp.GetActions())-1].GetCompleteOrchestration()
			if done.GetOrchestrationStatus() != pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED || !strings.Contains(done.GetFailureDetails().GetErrorMessage(), c.want) {
				t.Fatalf("got %s, want a failure mentioning %q", describe(done), c.want)
			}
		})
	}
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func b64(t *testing.T, m proto.Message) string {
	return base64.StdEncoding.EncodeToString(mustMarshal(t, m))
}
