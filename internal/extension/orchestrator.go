package extension

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
	"github.com/godurable/durablefunctions/internal/replay"
)

// ProtocolErrorType is the error type of failures this worker reports when
// the extension sent something it cannot use (bad base64 or protobuf, a
// missing field, an unknown function).
const ProtocolErrorType = "DurableProtocolError"

// HistoryFetcher streams an instance's history when the extension asks the
// worker to fetch it itself (OrchestratorRequest.requiresHistoryStreaming).
type HistoryFetcher interface {
	FetchHistory(ctx context.Context, instanceID, executionID string) ([]*pb.HistoryEvent, error)
}

// Options tune an Executor.
type Options struct {
	// Replay is passed to the replay core (timer splitting, action limit).
	// The zero value splits timers longer than 6 days into 3-day legs, as
	// Azure Storage needs; set MaxTimerInterval to -1 to never split.
	Replay replay.Options
	// History fetches histories for requests that ask for streaming.
	History HistoryFetcher
	// Client is the durable client activities and entities get, or nil.
	Client *durable.Client
	// ActivityClient, when set, gives the client of one activity
	// invocation: in extension mode an activity gets a client only when
	// its function.json declares a durableClient binding, whose value the
	// invocation carries (as for every Durable Functions language). A nil
	// client with a nil error falls back to Client.
	ActivityClient func(function string, inv *Invocation) (*durable.Client, error)
	// Logger receives protocol problems; nil discards them.
	Logger *slog.Logger
}

// Executor runs the orchestrations, activities and entities registered in
// a durable.Registry for the extension.
type Executor struct {
	run  engine.Executor // the app's code, from durable.NewWorker
	reg  *durable.Registry
	opts Options
	log  *slog.Logger
	// withClient holds one executor per activity client (clients are
	// cached per endpoint, so the map stays as small as their number).
	withClient sync.Map // *durable.Client → engine.Executor
}

// NewExecutor returns an executor for the functions registered in reg.
func NewExecutor(reg *durable.Registry, opts Options) *Executor {
	if opts.Replay.MaxTimerInterval == 0 {
		opts.Replay.MaxTimerInterval, opts.Replay.LongTimerInterval = 6*24*time.Hour, 3*24*time.Hour
	} else if opts.Replay.MaxTimerInterval < 0 {
		opts.Replay.MaxTimerInterval = 0
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	run := engine.ExecutorOf(durable.NewWorker(reg, opts.Client, log))
	return &Executor{run: run, reg: reg, opts: opts, log: log}
}

// OrchestrateBase64 is Orchestrate for the trigger's wire form: the
// base64 text of an OrchestratorRequest in, of an OrchestratorResponse out.
// It always returns a response the extension can record.
func (x *Executor) OrchestrateBase64(ctx context.Context, request string) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(request))
	if err != nil {
		return encodeResponse(failedResponse("", fmt.Errorf("the orchestration trigger value is not base64: %w", err)))
	}
	return encodeResponse(x.Orchestrate(ctx, raw))
}

// Orchestrate runs one episode: the request's past and new events are
// replayed through the orchestrator they name, and the response carries
// the actions the code took beyond its history, its custom status, and its
// completion (Completed, Failed with failure details, or ContinuedAsNew
// with the new input and the events carried over). Problems with the
// request itself fail the instance with a ProtocolErrorType failure that
// says what was wrong; nothing here panics or blocks on bad input.
func (x *Executor) Orchestrate(ctx context.Context, raw []byte) *pb.OrchestratorResponse {
	req := &pb.OrchestratorRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		return failedResponse("", fmt.Errorf("the orchestration trigger value is not an OrchestratorRequest: %w", err))
	}
	resp, err := x.orchestrate(ctx, req)
	if err != nil {
		x.log.Error("orchestrator request refused", "instanceId", req.GetInstanceId(), "error", err)
		return failedResponse(req.GetInstanceId(), err)
	}
	return resp
}

func (x *Executor) orchestrate(ctx context.Context, req *pb.OrchestratorRequest) (*pb.OrchestratorResponse, error) {
	id := req.GetInstanceId()
	if id == "" {
		return nil, errors.New("the OrchestratorRequest has no instanceId")
	}
	pastPB, newPB := req.GetPastEvents(), req.GetNewEvents()
	if req.GetRequiresHistoryStreaming() {
		h, err := x.fetch(ctx, id, str(req.GetExecutionId()))
		if err != nil {
			return nil, err
		}
		pastPB = h
	}
	past, err := convertAll(pastPB)
	if err != nil {
		return nil, fmt.Errorf("instance %q: past events: %w", id, err)
	}
	news, err := convertAll(newPB)
	if err != nil {
		return nil, fmt.Errorf("instance %q: new events: %w", id, err)
	}
	name := orchestratorName(past, news)
	if name == "" {
		return nil, fmt.Errorf("instance %q: the history has no ExecutionStarted event, so the orchestrator to run is unknown", id)
	}
	if err := normalizeResponses(past, news); err != nil {
		return nil, fmt.Errorf("instance %q: %w", id, err)
	}
	res := terminated(news)
	if res == nil {
		res = x.run.RunOrchestration(name, replay.Episode{InstanceID: id, Past: past, New: news}, x.opts.Replay)
	}
	window := time.Duration(0)
	if ep := req.GetEntityParameters(); ep != nil {
		window = ep.GetEntityMessageReorderWindow().AsDuration()
	}
	resp, err := buildResponse(id, past, news, res, newSorter(window))
	if err != nil {
		return nil, fmt.Errorf("instance %q: %w", id, err)
	}
	return resp, nil
}

// terminated returns the result of an execution terminated by one of the
// new events. The Durable Task Framework behind the Functions extension
// terminates instances itself and never sends the event; other backends
// (durabletask-go, the Durable Task Scheduler) leave it to the worker.
func terminated(news []*history.Event) *replay.Result {
	for _, e := range news {
		if e.EventType == history.ExecutionTerminated {
			return &replay.Result{Done: true, Status: history.StatusTerminated, Output: e.Input}
		}
	}
	return nil
}

func (x *Executor) fetch(ctx context.Context, id, executionID string) ([]*pb.HistoryEvent, error) {
	if x.opts.History == nil {
		return nil, fmt.Errorf("instance %q: the extension asked the worker to stream the history, and this worker has no gRPC connection to the extension to do it with", id)
	}
	h, err := x.opts.History.FetchHistory(ctx, id, executionID)
	if err != nil {
		return nil, fmt.Errorf("instance %q: stream the history: %w", id, err)
	}
	return h, nil
}

func convertAll(in []*pb.HistoryEvent) ([]*history.Event, error) {
	out := make([]*history.Event, 0, len(in))
	for i, p := range in {
		e, err := fromProto(p)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func orchestratorName(lists ...[]*history.Event) string {
	for _, l := range lists {
		for _, e := range l {
			if e.EventType == history.ExecutionStarted {
				return e.Name
			}
		}
	}
	return ""
}

// normalizeResponses rewrites, in place, the entity responses among the
// raised events into the replay core's form.
func normalizeResponses(past, news []*history.Event) error {
	calls, locks := pendingRequests(past, news)
	if len(calls) == 0 && len(locks) == 0 {
		return nil
	}
	for _, list := range [][]*history.Event{past, news} {
		for i, e := range list {
			if e.EventType != history.EventRaised {
				continue
			}
			key := strings.ToLower(e.Name)
			if !calls[key] && !locks[key] {
				continue
			}
			in, err := fromDTFxResponse(e.Input, locks[key])
			if err != nil {
				return fmt.Errorf("response to entity request %s: %w", e.Name, err)
			}
			c := *e
			c.Input = in
			list[i] = &c
		}
	}
	return nil
}

func failedResponse(instanceID string, err error) *pb.OrchestratorResponse {
	return &pb.OrchestratorResponse{InstanceId: instanceID, Actions: []*pb.OrchestratorAction{{
		Id: 0,
		OrchestratorActionType: &pb.OrchestratorAction_CompleteOrchestration{CompleteOrchestration: &pb.CompleteOrchestrationAction{
			OrchestrationStatus: pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED,
			FailureDetails:      &pb.TaskFailureDetails{ErrorType: ProtocolErrorType, ErrorMessage: strings.ToValidUTF8(err.Error(), "\uFFFD"), IsNonRetriable: true},
		}},
	}}}
}

func encodeResponse(r *pb.OrchestratorResponse) string {
	b, err := proto.Marshal(r)
	if err != nil { // only for invalid UTF-8 in a string field
		b, _ = proto.Marshal(failedResponse(r.GetInstanceId(), fmt.Errorf("the response cannot be encoded: %w", err)))
	}
	return base64.StdEncoding.EncodeToString(b)
}
