package extension_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

func entityRegistry(t *testing.T) *durable.Registry {
	t.Helper()
	reg := durable.NewRegistry()
	if err := reg.AddEntity("Counter", func(ctx *durable.EntityContext) error {
		var n int
		_ = ctx.GetState(&n)
		switch ctx.OperationName() {
		case "add":
			var d int
			if err := ctx.GetInput(&d); err != nil {
				return err
			}
			if d < 0 {
				return errors.New("negative amounts are not allowed")
			}
			if err := ctx.SignalEntity(durable.NewEntityID("Audit", "log"), "record", d); err != nil {
				return err
			}
			return ctx.SetState(n + d)
		case "get":
			return ctx.Return(n)
		}
		return errors.New("unknown operation " + ctx.OperationName())
	}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddOrchestrator("UseCounter", func(ctx *durable.OrchestrationContext) (any, error) {
		id := durable.NewEntityID("Counter", "k")
		release, err := ctx.LockEntities(id)
		if err != nil {
			return nil, err
		}
		defer release()
		var n int
		err = ctx.CallEntity(id, "get", nil).Await(&n)
		return n, err
	}); err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestAnEntityBatchReportsEachOperationAndRollsBackAFailedOne(t *testing.T) {
	x := extension.NewExecutor(entityRegistry(t), extension.Options{})
	req := &pb.EntityBatchRequest{InstanceId: "@counter@k", EntityState: sv("5"), Operations: []*pb.OperationRequest{
		{Operation: "add", RequestId: "r1", Input: sv("2")},
		{Operation: "add", RequestId: "r2", Input: sv("-1")},
		{Operation: "get", RequestId: "r3"},
	}}
	res := x.RunEntityBatch(context.Background(), mustMarshal(t, req))
	if res.GetFailureDetails() != nil {
		t.Fatalf("batch failed: %v", res.GetFailureDetails())
	}
	if len(res.GetResults()) != 3 {
		t.Fatalf("%d results, want 3", len(res.GetResults()))
	}
	if f := res.GetResults()[1].GetFailure(); f == nil || !strings.Contains(f.GetFailureDetails().GetErrorMessage(), "negative") {
		t.Errorf("the second operation should fail with its message, got %v", res.GetResults()[1])
	}
	if got := res.GetResults()[2].GetSuccess().GetResult().GetValue(); got != "7" {
		t.Errorf("get returned %s, want 7", got)
	}
	if res.GetEntityState().GetValue() != "7" {
		t.Errorf("state %v, want 7", res.GetEntityState())
	}
	if len(res.GetActions()) != 1 || res.GetActions()[0].GetSendSignal().GetInstanceId() != "@audit@log" {
		t.Errorf("actions %v, want one signal to @audit@log (the failed add's signal rolled back)", res.GetActions())
	}
}

func TestABadEntityBatchIsAFailureNamingTheProblem(t *testing.T) {
	x := extension.NewExecutor(entityRegistry(t), extension.Options{})
	for name, raw := range map[string][]byte{
		"not protobuf":  {0xff, 0xff},
		"not an entity": mustMarshal(t, &pb.EntityBatchRequest{InstanceId: "plain"}),
	} {
		res := x.RunEntityBatch(context.Background(), raw)
		if res.GetFailureDetails().GetErrorType() != extension.ProtocolErrorType {
			t.Errorf("%s: got %v, want a %s failure", name, res, extension.ProtocolErrorType)
		}
	}
	res := x.RunEntityBatch(context.Background(), mustMarshal(t, &pb.EntityBatchRequest{InstanceId: "@nosuch@k",
		Operations: []*pb.OperationRequest{{Operation: "x", RequestId: "r"}}}))
	if f := res.GetResults()[0].GetFailure(); f == nil || !strings.Contains(f.GetFailureDetails().GetErrorMessage(), "nosuch") {
		t.Errorf("an unknown entity should fail its operations naming it, got %v", res)
	}
}

// The orchestration side speaks DTFx's message format: requests as
// EventSent "op" with a RequestMessage (lock sets as name/key objects,
// DTFx's ordering timestamps), responses as EventRaised named after the
// request id, and a release when the critical section ends.
func TestEntityLocksAndCallsTravelInTheExtensionsMessageFormat(t *testing.T) {
	x := extension.NewExecutor(entityRegistry(t), extension.Options{})
	window := &pb.OrchestratorEntityParameters{EntityMessageReorderWindow: durationpb.New(30 * time.Minute)}
	d := &driver{t: t, x: x, now: t0, window: window}
	past := []*pb.HistoryEvent{}
	news := []*pb.HistoryEvent{orchStarted(t0), started("UseCounter", "o", "", t0)}
	step := func(reply func(req map[string]any) *pb.HistoryEvent) *pb.OrchestratorResponse {
		resp := d.episode("o", past, news)
		past, news = append(past, news...), []*pb.HistoryEvent{orchStarted(d.now)}
		for _, a := range resp.GetActions() {
			if a.GetCompleteOrchestration() != nil {
				continue
			}
			past = append(past, d.record(a))
			var req map[string]any
			if err := json.Unmarshal([]byte(a.GetSendEvent().GetData().GetValue()), &req); err != nil {
				t.Fatalf("message %v is not JSON: %v", a, err)
			}
			if reply != nil {
				news = append(news, reply(req))
			}
		}
		return resp
	}
	lock := step(func(req map[string]any) *pb.HistoryEvent {
		if ls, _ := req["lockset"].([]any); len(ls) != 1 || ls[0].(map[string]any)["name"] != "counter" {
			t.Errorf("lockset %v, want [{name: counter, key: k}]", req["lockset"])
		}
		if req["Timestamp"] == "0001-01-01T00:00:00" {
			t.Errorf("a lock request needs a Timestamp for the message sorter: %v", req)
		}
		return raised(req["id"].(string), `{"result":"Lock Acquisition Completed"}`, t0)
	})
	if a := lock.GetActions()[0].GetSendEvent(); a.GetName() != "op" || a.GetInstance().GetInstanceId() != "@counter@k" {
		t.Fatalf("first action %v, want op to @counter@k", lock.GetActions()[0])
	}
	step(func(req map[string]any) *pb.HistoryEvent {
		if req["op"] != "get" || req["Predecessor"] == "0001-01-01T00:00:00" {
			t.Errorf("call %v, want op get naming the lock request as its predecessor", req)
		}
		return raised(req["id"].(string), `{"result":"42"}`, t0)
	})
	end := step(nil)
	acts := end.GetActions()
	if len(acts) != 2 || acts[0].GetSendEvent().GetName() != "release" {
		t.Fatalf("last episode %v, want a release then the completion", acts)
	}
	if got := acts[1].GetCompleteOrchestration().GetResult().GetValue(); got != "42" {
		t.Errorf("result %s, want 42", got)
	}
}

func TestAFailedEntityCallFailsTheCallingTaskWithTheEntitysError(t *testing.T) {
	x := extension.NewExecutor(entityRegistry(t), extension.Options{})
	d := &driver{t: t, x: x, now: t0}
	resp := d.episode("o", nil, []*pb.HistoryEvent{orchStarted(t0), started("UseCounter", "o", "", t0)})
	lockReq := d.record(resp.GetActions()[0])
	var req map[string]any
	_ = json.Unmarshal([]byte(lockReq.GetEventSent().GetInput().GetValue()), &req)
	past := []*pb.HistoryEvent{orchStarted(t0), started("UseCounter", "o", "", t0), lockReq}
	grant := raised(req["id"].(string), `{"result":"Lock Acquisition Completed"}`, t0)
	resp = d.episode("o", past, []*pb.HistoryEvent{orchStarted(t0), grant})
	call := d.record(resp.GetActions()[0])
	_ = json.Unmarshal([]byte(call.GetEventSent().GetInput().GetValue()), &req)
	past = append(past, orchStarted(t0), grant, call)
	failure := `{"result":null,"failureDetails":{"ErrorType":"InvalidOperationException","ErrorMessage":"no such thing","StackTrace":null}}`
	resp = d.episode("o", past, []*pb.HistoryEvent{orchStarted(t0), raised(req["id"].(string), failure, t0)})
	done := resp.GetActions()[len(resp.GetActions())-1].GetCompleteOrchestration()
	if done.GetOrchestrationStatus() != pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED || !strings.Contains(done.GetFailureDetails().GetErrorMessage(), "no such thing") {
		t.Fatalf("got %s, want a failure carrying the entity's message", describe(done))
	}
	if resp.GetActions()[0].GetSendEvent().GetName() != "release" {
		t.Errorf("a failing orchestration must still release its locks, got %v", resp.GetActions())
	}
}
