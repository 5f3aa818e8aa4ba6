package extension_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// hostString applies the host's conversion of a string binding value: it
// JSON-serializes it, and the envelope encodes that string again.
func hostString(s string) json.RawMessage {
	inner, _ := json.Marshal(s)
	outer, _ := json.Marshal(string(inner))
	return outer
}

// hostToken is how the host writes a JSON token that is not an object
// (the activity's "data"): its JSON text, as a string.
func hostToken(jsonText string) json.RawMessage {
	b, _ := json.Marshal(jsonText)
	return b
}

func envelope(data, meta map[string]json.RawMessage) string {
	b, _ := json.Marshal(map[string]any{"Data": data, "Metadata": meta})
	return string(b)
}

func serve(t *testing.T, reg *durable.Registry, fn string, kind extension.Kind) *httptest.Server {
	x := extension.NewExecutor(reg, extension.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.ServeInvocation(w, r, fn, kind)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type validationError string

func (e validationError) Error() string     { return string(e) }
func (e validationError) ErrorType() string { return "ValidationError" }

func activityRegistry(t *testing.T) *durable.Registry {
	reg := durable.NewRegistry()
	_ = reg.AddActivity("SayHello", func(ctx *durable.ActivityContext) (any, error) {
		var name string
		if err := ctx.GetInput(&name); err != nil {
			return nil, err
		}
		if name == "" {
			return nil, validationError("a name is needed: ünïcode ok")
		}
		return "Hello " + name + "! (" + ctx.InstanceID() + ")", nil
	})
	_ = reg.AddActivity("Echo", func(ctx *durable.ActivityContext) (any, error) { return json.RawMessage(ctx.RawInput()), nil })
	_ = reg.AddActivity("Boom", func(ctx *durable.ActivityContext) (any, error) { return nil, errors.New("kaboom") })
	return reg
}

func TestAnActivityGetsItsInputAndInstanceFromTheBindingDataAndReturnsItsResult(t *testing.T) {
	srv := serve(t, activityRegistry(t), "SayHello", extension.Activity)
	body := envelope(map[string]json.RawMessage{"name": hostString(`"Tokyo"`)},
		map[string]json.RawMessage{"instanceId": hostString("inst-1"), "data": hostToken(`"Tokyo"`),
			"sys": json.RawMessage(`{"MethodName":"SayHello"}`)})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ReturnValue json.RawMessage }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 || string(out.ReturnValue) != `"Hello Tokyo! (inst-1)"` {
		t.Fatalf("%d %s", resp.StatusCode, out.ReturnValue)
	}
}

func TestAnObjectInputArrivesAsAnObjectAndComesBackUnchanged(t *testing.T) {
	srv := serve(t, activityRegistry(t), "Echo", extension.Activity)
	body := envelope(map[string]json.RawMessage{"x": hostString("{}")},
		map[string]json.RawMessage{"instanceId": hostString("i"), "data": json.RawMessage(`{"a":[1,2],"b":"c"}`)})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ReturnValue json.RawMessage }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if string(out.ReturnValue) != `{"a":[1,2],"b":"c"}` {
		t.Fatalf("got %s", out.ReturnValue)
	}
}

// A failed activity must reach the orchestration with its error type and
// message even though the host keeps nothing of a failed reply but its
// status line: the reason phrase carries them, and the orchestrator side
// reads them back out of the TaskFailed the extension records.
func TestAnActivityFailureTravelsInTheReasonPhraseAndComesBackAsTheTaskError(t *testing.T) {
	srv := serve(t, activityRegistry(t), "SayHello", extension.Activity)
	body := envelope(nil, map[string]json.RawMessage{"instanceId": hostString("i"), "data": hostToken(`""`)})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	reason := strings.TrimPrefix(resp.Status, "500 ")
	hostFailure := extension.HostActivityFailure("SayHello", 500, reason)

	reg := durable.NewRegistry()
	_ = reg.AddOrchestrator("O", func(ctx *durable.OrchestrationContext) (any, error) {
		err := ctx.CallActivity("SayHello", "").Await(nil)
		var tf *durable.TaskFailedError
		if errors.As(err, &tf) {
			return tf.ErrorType + " | " + tf.Message, nil
		}
		return nil, err
	})
	d := newDriver(t, reg, nil)
	x := extension.NewExecutor(reg, extension.Options{})
	d.x = x
	scheduled := ev(0, t0)
	scheduled.EventType = &pb.HistoryEvent_TaskScheduled{TaskScheduled: &pb.TaskScheduledEvent{Name: "SayHello", Input: sv(`""`)}}
	failed := ev(-1, t0)
	failed.EventType = &pb.HistoryEvent_TaskFailed{TaskFailed: &pb.TaskFailedEvent{TaskScheduledId: 0, FailureDetails: toPB(hostFailure)}}
	out := d.episode("o", []*pb.HistoryEvent{orchStarted(t0), started("O", "o", "", t0), scheduled}, []*pb.HistoryEvent{orchStarted(t0), failed})
	got := out.GetActions()[0].GetCompleteOrchestration().GetResult().GetValue()
	if got != `"ValidationError | a name is needed: ünïcode ok"` {
		t.Fatalf("the orchestration saw %s", got)
	}
}

func TestAnOrchestrationInvocationRepliesWithABase64Response(t *testing.T) {
	srv := serve(t, registry(t), "Chain", extension.Orchestration)
	req := b64(t, &pb.OrchestratorRequest{InstanceId: "i", NewEvents: []*pb.HistoryEvent{orchStarted(t0), started("Chain", "i", "", t0)}})
	body := envelope(map[string]json.RawMessage{"context": hostString(req)}, map[string]json.RawMessage{"sys": json.RawMessage(`{}`)})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ ReturnValue string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	r := decodeResponse(t, out.ReturnValue)
	if r.GetActions()[0].GetScheduleTask().GetName() != "SayHello" {
		t.Fatalf("got %v", r)
	}
	bad, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"Data":`))
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Body.Close()
	_ = json.NewDecoder(bad.Body).Decode(&out)
	c := decodeResponse(t, out.ReturnValue).GetActions()[0].GetCompleteOrchestration()
	if bad.StatusCode != 200 || !strings.Contains(c.GetFailureDetails().GetErrorMessage(), "invocation body") {
		t.Fatalf("a broken envelope should fail the instance saying so, got %d %v", bad.StatusCode, c)
	}
}

func toPB(f *history.FailureDetails) *pb.TaskFailureDetails {
	if f == nil {
		return nil
	}
	return &pb.TaskFailureDetails{ErrorType: f.ErrorType, ErrorMessage: f.ErrorMessage, InnerFailure: toPB(f.InnerFailure)}
}

var _ = context.Background
