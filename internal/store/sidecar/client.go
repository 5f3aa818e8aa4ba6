package sidecar

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// CreateInstance starts an orchestration. The extension refuses an id whose
// instance is still active (AlreadyExists) and replaces a finished one,
// which is the contract's default dedupe rule.
func (s *Store) CreateInstance(ctx context.Context, start *history.Event, opts store.CreateOptions) error {
	req := &pb.CreateInstanceRequest{Name: start.Name, Version: opt(start.Version), Input: opt(start.Input)}
	if oi := start.OrchestrationInstance; oi != nil {
		req.InstanceId, req.ExecutionId = oi.InstanceID, opt(oi.ExecutionID)
	}
	if !opts.VisibleAt.IsZero() {
		req.ScheduledStartTimestamp = timestamppb.New(opts.VisibleAt)
	}
	_, err := s.rpc.StartInstance(s.ctx(ctx), req)
	return rpcError("start instance", req.InstanceId, err)
}

// SendMessages maps each message onto the RPC for its event type.
func (s *Store) SendMessages(ctx context.Context, msgs ...store.Message) error {
	for _, m := range msgs {
		if err := s.send(s.ctx(ctx), m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) send(ctx context.Context, m store.Message) error {
	id, e := m.InstanceID, m.Event
	var err error
	switch e.EventType {
	case history.EventRaised:
		if strings.HasPrefix(id, "@") && e.Name == replay.EntityOperationEvent {
			return s.signal(ctx, id, e.Input)
		}
		_, err = s.rpc.RaiseEvent(ctx, &pb.RaiseEventRequest{InstanceId: id, Name: e.Name, Input: opt(e.Input)})
	case history.ExecutionTerminated:
		_, err = s.rpc.TerminateInstance(ctx, &pb.TerminateRequest{InstanceId: id, Output: opt(e.Input)})
	case history.ExecutionSuspended:
		_, err = s.rpc.SuspendInstance(ctx, &pb.SuspendRequest{InstanceId: id, Reason: opt(e.Reason)})
	case history.ExecutionResumed:
		_, err = s.rpc.ResumeInstance(ctx, &pb.ResumeRequest{InstanceId: id, Reason: opt(e.Reason)})
	case history.ExecutionRewound:
		_, err = s.rpc.RewindInstance(ctx, &pb.RewindInstanceRequest{InstanceId: id, Reason: opt(e.Reason)})
	default:
		return fmt.Errorf("sidecar: send %s to %q: %w", e.EventType, id, ErrUnsupported)
	}
	return rpcError("send "+e.EventType.String()+" to", id, err)
}

// signal sends a client's entity operation. The extension parses the
// request id as a GUID, so it goes in the 8-4-4-4-12 form.
func (s *Store) signal(ctx context.Context, id, body string) error {
	var req replay.EntityRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		return fmt.Errorf("sidecar: signal %q: %w", id, err)
	}
	sig := &pb.SignalEntityRequest{InstanceId: id, Name: req.Operation, Input: opt(req.Input), RequestId: guid(req.ID)}
	if !req.ScheduledTime.IsZero() {
		sig.ScheduledTime = timestamppb.New(req.ScheduledTime)
	}
	_, err := s.rpc.SignalEntity(ctx, sig)
	return rpcError("signal entity", id, err)
}

func guid(id string) string {
	if len(id) == 32 && !strings.Contains(id, "-") {
		return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
	}
	return id
}

// GetInstance returns an orchestration's state, or an entity's (its id
// starts with '@') in the row form durable's entity reader expects.
func (s *Store) GetInstance(ctx context.Context, instanceID string) (*store.Instance, error) {
	if strings.HasPrefix(instanceID, "@") {
		resp, err := s.rpc.GetEntity(s.ctx(ctx), &pb.GetEntityRequest{InstanceId: instanceID, IncludeState: true})
		if err != nil {
			return nil, rpcError("get entity", instanceID, err)
		}
		if !resp.GetExists() {
			return nil, fmt.Errorf("sidecar: get entity %q: %w", instanceID, store.ErrNotFound)
		}
		return entityRow(resp.GetEntity()), nil
	}
	resp, err := s.rpc.GetInstance(s.ctx(ctx), &pb.GetInstanceRequest{InstanceId: instanceID, GetInputsAndOutputs: true})
	if err != nil {
		return nil, rpcError("get instance", instanceID, err)
	}
	if !resp.GetExists() {
		return nil, fmt.Errorf("sidecar: get instance %q: %w", instanceID, store.ErrNotFound)
	}
	return instanceRow(resp.GetOrchestrationState()), nil
}

func instanceRow(st *pb.OrchestrationState) *store.Instance {
	return &store.Instance{
		InstanceID: st.GetInstanceId(), ExecutionID: st.GetExecutionId().GetValue(), Name: st.GetName(),
		Status: history.RuntimeStatus(st.GetOrchestrationStatus()),
		Input:  st.GetInput().GetValue(), Output: st.GetOutput().GetValue(), CustomStatus: st.GetCustomStatus().GetValue(),
		Failure:       failure(st.GetFailureDetails()),
		CreatedAt:     when(st.GetCreatedTimestamp()),
		LastUpdatedAt: when(st.GetLastUpdatedTimestamp()),
		CompletedAt:   when(st.GetCompletedTimestamp()), ScheduledStart: when(st.GetScheduledStartTimestamp()),
		ParentInstance: st.GetParentInstanceId().GetValue(),
	}
}

// entityRow encodes what the extension tells of an entity as the
// scheduler state durable reads from an entity's row.
func entityRow(m *pb.EntityMetadata) *store.Instance {
	st := engine.EntitySchedulerState{Exists: m.GetSerializedState() != nil, State: m.GetSerializedState().GetValue(),
		LockedBy: m.GetLockedBy().GetValue()}
	for range m.GetBacklogQueueSize() {
		st.Queue = append(st.Queue, &replay.EntityRequest{})
	}
	b, _ := json.Marshal(st)
	return &store.Instance{InstanceID: m.GetInstanceId(), Name: entityName(m.GetInstanceId()), Status: history.StatusRunning,
		Input: string(b), LastUpdatedAt: when(m.GetLastModifiedTime()), CreatedAt: when(m.GetLastModifiedTime())}
}

func entityName(id string) string {
	name, _, _ := history.SplitEntityID(id)
	return name
}

// GetHistory streams the current execution's history. The Functions
// extension does not implement StreamInstanceHistory: its history is read
// through the host's management API instead.
func (s *Store) GetHistory(ctx context.Context, instanceID string) ([]*history.Event, error) {
	events, err := FetchHistory(s.ctx(ctx), s.rpc, instanceID, "")
	if err != nil {
		return nil, err
	}
	return extension.HistoryFromProto(events)
}

// FetchHistory reads an instance's history over StreamInstanceHistory.
func FetchHistory(ctx context.Context, rpc pb.TaskHubSidecarServiceClient, instanceID, executionID string) ([]*pb.HistoryEvent, error) {
	stream, err := rpc.StreamInstanceHistory(ctx, &pb.StreamInstanceHistoryRequest{InstanceId: instanceID, ExecutionId: opt(executionID), ForWorkItemProcessing: true})
	if err != nil {
		return nil, rpcError("stream history of", instanceID, err)
	}
	var out []*pb.HistoryEvent
	for {
		chunk, err := stream.Recv()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, rpcError("stream history of", instanceID, err)
		}
		out = append(out, chunk.GetEvents()...)
	}
}

// ListInstances pages through orchestrations (QueryInstances) or, for
// OnlyEntities, entities (QueryEntities). The extension leaves entities
// out of instance queries, so AllInstances lists orchestrations.
func (s *Store) ListInstances(ctx context.Context, q *store.Query) (*store.Page, error) {
	if q.Kind == store.OnlyEntities {
		return s.listEntities(ctx, q)
	}
	iq := &pb.InstanceQuery{MaxInstanceCount: int32(q.PageSize), ContinuationToken: opt(q.ContinuationToken),
		InstanceIdPrefix: opt(q.InstanceIDPrefix), FetchInputsAndOutputs: q.WithPayloads}
	if iq.MaxInstanceCount == 0 {
		iq.MaxInstanceCount = 100
	}
	if !q.CreatedFrom.IsZero() {
		iq.CreatedTimeFrom = timestamppb.New(q.CreatedFrom)
	}
	if !q.CreatedTo.IsZero() {
		iq.CreatedTimeTo = timestamppb.New(q.CreatedTo)
	}
	for _, st := range q.Statuses {
		iq.RuntimeStatus = append(iq.RuntimeStatus, pb.OrchestrationStatus(st))
	}
	resp, err := s.rpc.QueryInstances(s.ctx(ctx), &pb.QueryInstancesRequest{Query: iq})
	if err != nil {
		return nil, rpcError("query instances", q.InstanceIDPrefix, err)
	}
	page := &store.Page{ContinuationToken: resp.GetContinuationToken().GetValue()}
	for _, st := range resp.GetOrchestrationState() {
		page.Instances = append(page.Instances, instanceRow(st))
	}
	return page, nil
}

func (s *Store) listEntities(ctx context.Context, q *store.Query) (*store.Page, error) {
	eq := &pb.EntityQuery{InstanceIdStartsWith: opt(q.InstanceIDPrefix), IncludeState: true, ContinuationToken: opt(q.ContinuationToken)}
	if q.PageSize > 0 {
		eq.PageSize = wrapperspb.Int32(int32(q.PageSize))
	}
	resp, err := s.rpc.QueryEntities(s.ctx(ctx), &pb.QueryEntitiesRequest{Query: eq})
	if err != nil {
		return nil, rpcError("query entities", q.InstanceIDPrefix, err)
	}
	page := &store.Page{ContinuationToken: resp.GetContinuationToken().GetValue()}
	for _, m := range resp.GetEntities() {
		page.Instances = append(page.Instances, entityRow(m))
	}
	return page, nil
}

// PurgeInstance deletes one instance's state and history.
func (s *Store) PurgeInstance(ctx context.Context, instanceID string) error {
	resp, err := s.rpc.PurgeInstances(s.ctx(ctx), &pb.PurgeInstancesRequest{Request: &pb.PurgeInstancesRequest_InstanceId{InstanceId: instanceID}})
	if err != nil {
		return rpcError("purge", instanceID, err)
	}
	if resp.GetDeletedInstanceCount() == 0 {
		return fmt.Errorf("sidecar: purge %q: %w", instanceID, store.ErrNotFound)
	}
	return nil
}

// PurgeInstances deletes finished orchestrations by creation time and
// status. The extension's filter has no completion time and no size limit:
// filters that need them are refused rather than over-purged.
func (s *Store) PurgeInstances(ctx context.Context, f *store.PurgeFilter) (int, error) {
	if !f.CompletedTo.IsZero() || f.MaxInstances > 0 || f.Kind == store.OnlyEntities {
		return 0, fmt.Errorf("sidecar: purge by completion time, by count or of entities: %w", ErrUnsupported)
	}
	if len(f.InstanceIDs) > 0 {
		n := 0
		for _, id := range f.InstanceIDs {
			if err := s.PurgeInstance(ctx, id); err == nil {
				n++
			}
		}
		return n, nil
	}
	pf := &pb.PurgeInstanceFilter{CreatedTimeFrom: timestamppb.New(f.CreatedFrom)}
	if !f.CreatedTo.IsZero() {
		pf.CreatedTimeTo = timestamppb.New(f.CreatedTo)
	}
	for _, st := range f.Statuses {
		pf.RuntimeStatus = append(pf.RuntimeStatus, pb.OrchestrationStatus(st))
	}
	resp, err := s.rpc.PurgeInstances(s.ctx(ctx), &pb.PurgeInstancesRequest{Request: &pb.PurgeInstancesRequest_PurgeInstanceFilter{PurgeInstanceFilter: pf}})
	if err != nil {
		return 0, rpcError("purge instances", "", err)
	}
	return int(resp.GetDeletedInstanceCount()), nil
}

func opt(s string) *wrapperspb.StringValue {
	if s == "" {
		return nil
	}
	return wrapperspb.String(s)
}

func when(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func failure(p *pb.TaskFailureDetails) *history.FailureDetails {
	if p == nil {
		return nil
	}
	return &history.FailureDetails{ErrorType: p.GetErrorType(), ErrorMessage: p.GetErrorMessage(), StackTrace: p.GetStackTrace().GetValue(),
		InnerFailure: failure(p.GetInnerFailure()), IsNonRetriable: p.GetIsNonRetriable()}
}
