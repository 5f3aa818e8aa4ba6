package exttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/hostemu"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// Host invokes the worker's durable functions over real HTTP, in the
// custom-handler envelope the Functions host builds for these triggers
// (hostemu builds the bytes), and decodes the replies as the host and the
// extension use them.
type Host struct {
	App  *funcapp.App
	emu  *hostemu.Host
	http *http.Client
	url  string
}

// NewHost returns a host for the function app in appDir served at url.
func NewHost(appDir, url string) (*Host, error) {
	app, err := funcapp.LoadApp(appDir)
	if err != nil {
		return nil, err
	}
	return &Host{App: app, emu: hostemu.New(app, url), http: &http.Client{}, url: strings.TrimSuffix(url, "/")}, nil
}

// ErrUnreachable wraps transport failures: the worker is not there (it
// crashed or restarts). The stand-in retries those, as the host restarts
// its worker and the extension retries the work item.
var ErrUnreachable = errors.New("the worker is unreachable")

type invocationReply struct {
	status int
	reason string
	ret    json.RawMessage
}

func (h *Host) invoke(ctx context.Context, fn string, data, meta map[string]any) (*invocationReply, error) {
	f := h.App.Function(fn)
	if f == nil {
		return nil, fmt.Errorf("no function %q in the app", fn)
	}
	body, err := h.emu.Envelope(f.Name, data, meta)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/"+f.Name, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := h.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	out := &invocationReply{status: resp.StatusCode, reason: strings.TrimPrefix(resp.Status, fmt.Sprintf("%d ", resp.StatusCode))}
	if resp.StatusCode/100 == 2 {
		var r struct{ ReturnValue json.RawMessage }
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("invalid HttpResponseMessage from %s: %v", fn, err)
		}
		out.ret = r.ReturnValue
	}
	return out, nil
}

func triggerName(f *funcapp.Function) string {
	if f == nil || f.Trigger == nil {
		return "context"
	}
	return f.Trigger.Name
}

// reorderWindow is what the extension sends as entity parameters (its
// default EntityMessageReorderWindowInMinutes is 30).
var reorderWindow = durationpb.New(30 * 60e9)

// Orchestrate runs one episode on the worker. A reply the extension could
// not use fails the instance, as the extension does.
func (h *Host) Orchestrate(ctx context.Context, req *pb.OrchestratorRequest, name string) (*pb.OrchestratorResponse, error) {
	req = proto.Clone(req).(*pb.OrchestratorRequest)
	req.EntityParameters = &pb.OrchestratorEntityParameters{EntityMessageReorderWindow: reorderWindow}
	b, _ := proto.Marshal(req)
	f := h.App.Function(name)
	r, err := h.invoke(ctx, name, map[string]any{triggerName(f): base64.StdEncoding.EncodeToString(b)}, nil)
	if err != nil {
		return nil, err
	}
	var text string
	if r.status/100 != 2 || json.Unmarshal(r.ret, &text) != nil || text == "" {
		return hostFailure(req.GetInstanceId(), fmt.Sprintf("Function '%s' failed with an unhandled exception (status %d).", name, r.status)), nil
	}
	raw, err := base64.StdEncoding.DecodeString(text)
	resp := &pb.OrchestratorResponse{}
	if err == nil {
		err = proto.Unmarshal(raw, resp)
	}
	if err != nil {
		return hostFailure(req.GetInstanceId(), "the orchestrator's reply is not a base64 OrchestratorResponse: "+err.Error()), nil
	}
	resp.InstanceId = req.GetInstanceId()
	return resp, nil
}

func hostFailure(id, msg string) *pb.OrchestratorResponse {
	return &pb.OrchestratorResponse{InstanceId: id, Actions: []*pb.OrchestratorAction{{OrchestratorActionType: &pb.OrchestratorAction_CompleteOrchestration{
		CompleteOrchestration: &pb.CompleteOrchestrationAction{OrchestrationStatus: pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED,
			FailureDetails: &pb.TaskFailureDetails{ErrorType: "FunctionInvocationFailed", ErrorMessage: msg}}}}}}
}

// Activity runs one activity call: binding data instanceId and data (the
// input as a JSON token), reply ReturnValue (2xx) or a failure built as
// the host and extension build it from the status line.
func (h *Host) Activity(ctx context.Context, req *pb.ActivityRequest) (*pb.ActivityResponse, error) {
	f := h.App.Function(req.GetName())
	out := &pb.ActivityResponse{InstanceId: req.GetOrchestrationInstance().GetInstanceId(), TaskId: req.GetTaskId()}
	if f == nil {
		out.FailureDetails = &pb.TaskFailureDetails{ErrorType: "FunctionNotFound", ErrorMessage: "The function '" + req.GetName() + "' doesn't exist."}
		return out, nil
	}
	input := req.GetInput().GetValue()
	meta := map[string]any{"instanceId": out.InstanceId, "data": dataToken(input)}
	data := h.emu.InputValues(f) // a durableClient binding, if it has one
	data[triggerName(f)] = input
	r, err := h.invoke(ctx, f.Name, data, meta)
	if err != nil {
		return nil, err
	}
	if r.status/100 != 2 {
		out.FailureDetails = toPB(extension.HostActivityFailure(f.Name, r.status, r.reason))
		return out, nil
	}
	if len(r.ret) > 0 && string(r.ret) != "null" {
		out.Result = wrapperspb.String(string(r.ret))
	}
	return out, nil
}

// dataToken is the activity input as the host writes the "data" binding
// value: an object stays an object, any other token becomes a string
// holding its JSON text.
func dataToken(input string) any {
	if input == "" {
		return nil
	}
	if strings.HasPrefix(strings.TrimSpace(input), "{") {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(input))
		dec.UseNumber()
		if dec.Decode(&m) == nil {
			return m
		}
	}
	return json.RawMessage(input)
}

// Entity runs one batch on the worker.
func (h *Host) Entity(ctx context.Context, req *pb.EntityBatchRequest) (*pb.EntityBatchResult, error) {
	name, _, _ := history.SplitEntityID(req.GetInstanceId())
	f := h.App.Function(name)
	if f == nil {
		return &pb.EntityBatchResult{EntityState: req.GetEntityState(), FailureDetails: &pb.TaskFailureDetails{
			ErrorType: "EntityFunctionNotFound", ErrorMessage: "The function '" + name + "' doesn't exist."}}, nil
	}
	b, _ := proto.Marshal(req)
	r, err := h.invoke(ctx, f.Name, map[string]any{triggerName(f): base64.StdEncoding.EncodeToString(b)}, nil)
	if err != nil {
		return nil, err
	}
	var text string
	res := &pb.EntityBatchResult{}
	if r.status/100 == 2 && json.Unmarshal(r.ret, &text) == nil {
		raw, derr := base64.StdEncoding.DecodeString(text)
		if derr == nil && proto.Unmarshal(raw, res) == nil {
			return res, nil
		}
	}
	return &pb.EntityBatchResult{EntityState: req.GetEntityState(), FailureDetails: &pb.TaskFailureDetails{
		ErrorType: "FunctionInvocationFailed", ErrorMessage: fmt.Sprintf("Invocation of function '%s' failed (status %d).", f.Name, r.status)}}, nil
}
