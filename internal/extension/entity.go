package extension

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// EntityBase64 is RunEntityBatch for the trigger's wire form: the base64
// text of an EntityBatchRequest in, of an EntityBatchResult out.
func (x *Executor) EntityBase64(ctx context.Context, request string) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(request))
	var res *pb.EntityBatchResult
	if err != nil {
		res = failedBatch(nil, fmt.Errorf("the entity trigger value is not base64: %w", err))
	} else {
		res = x.RunEntityBatch(ctx, raw)
	}
	b, err := proto.Marshal(res)
	if err != nil {
		b, _ = proto.Marshal(failedBatch(nil, fmt.Errorf("the entity batch result cannot be encoded: %w", err)))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// RunEntityBatch runs the operations of one EntityBatchRequest in order
// and reports one result per operation (a failed operation leaves the
// state and its signals as they were before it), the final state (null
// when the entity has none) and the signals and orchestration starts the
// successful operations issued. A request this worker cannot read gives
// a result with failure details and no operation results, which the
// extension turns into a failure of every operation of the batch.
func (x *Executor) RunEntityBatch(ctx context.Context, raw []byte) *pb.EntityBatchResult {
	req := &pb.EntityBatchRequest{}
	if err := proto.Unmarshal(raw, req); err != nil {
		return failedBatch(nil, fmt.Errorf("the entity trigger value is not an EntityBatchRequest: %w", err))
	}
	name, key, ok := history.SplitEntityID(req.GetInstanceId())
	if !ok {
		return failedBatch(req, fmt.Errorf("entity batch: instance id %q is not an entity id (@name@key)", req.GetInstanceId()))
	}
	b := &engine.EntityBatch{InstanceID: req.GetInstanceId(), Name: name, Key: key,
		State: str(req.GetEntityState()), HasState: req.GetEntityState() != nil}
	for _, op := range req.GetOperations() {
		b.Operations = append(b.Operations, engine.EntityOperation{Operation: op.GetOperation(), Input: str(op.GetInput())})
	}
	run, ok := x.run.(engine.EntityExecutor)
	if !ok {
		return batchResult(&engine.EntityBatchResult{})
	}
	return batchResult(run.RunEntityBatch(withEntityTrace(ctx, req), b))
}

func batchResult(r *engine.EntityBatchResult) *pb.EntityBatchResult {
	out := &pb.EntityBatchResult{}
	if r.HasState {
		out.EntityState = optStr(r.State)
		if out.EntityState == nil {
			out.EntityState = optStr("null")
		}
	}
	for _, res := range r.Results {
		if res.Failure != nil {
			out.Results = append(out.Results, &pb.OperationResult{ResultType: &pb.OperationResult_Failure{
				Failure: &pb.OperationResultFailure{FailureDetails: failureToProto(res.Failure)}}})
			continue
		}
		out.Results = append(out.Results, &pb.OperationResult{ResultType: &pb.OperationResult_Success{
			Success: &pb.OperationResultSuccess{Result: optStr(res.Result)}}})
	}
	for i, a := range r.Actions {
		act := &pb.OperationAction{Id: int32(i)}
		switch {
		case a.Signal != nil:
			s := &pb.SendSignalAction{InstanceId: a.Signal.Target, Name: a.Signal.Operation, Input: optStr(a.Signal.Input)}
			if !a.Signal.At.IsZero() {
				s.ScheduledTime = ts(a.Signal.At)
			}
			act.OperationActionType = &pb.OperationAction_SendSignal{SendSignal: s}
		case a.Start != nil:
			st := &pb.StartNewOrchestrationAction{Name: a.Start.Name, Input: optStr(a.Start.Input)}
			if a.Start.OrchestrationInstance != nil {
				st.InstanceId = a.Start.OrchestrationInstance.InstanceID
			}
			act.OperationActionType = &pb.OperationAction_StartNewOrchestration{StartNewOrchestration: st}
		default:
			continue
		}
		out.Actions = append(out.Actions, act)
	}
	return out
}

func failedBatch(req *pb.EntityBatchRequest, err error) *pb.EntityBatchResult {
	if req == nil {
		req = &pb.EntityBatchRequest{}
	}
	msg := strings.ToValidUTF8(err.Error(), "\uFFFD")
	return &pb.EntityBatchResult{EntityState: req.GetEntityState(),
		FailureDetails: &pb.TaskFailureDetails{ErrorType: ProtocolErrorType, ErrorMessage: msg, IsNonRetriable: true}}
}
