package exttest

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	pb "github.com/godurable/durablefunctions/internal/protos"
)

// frontService is the TaskHubSidecarService the worker's durable client
// talks to: the RPC set of the Functions extension's LocalGrpcListener.
// Calls durabletask-go implements go through to it; QueryInstances and
// filtered purges read its SQLite tables; entity calls go to the entity
// scheduler. Rewind and history streaming answer Unimplemented (the
// extension does not stream history either; durabletask-go 0.6.0 cannot
// rewind).
type frontService struct {
	pb.UnimplementedTaskHubSidecarServiceServer
	inner    pb.TaskHubSidecarServiceClient
	db       string
	entities *EntityScheduler
	once     sync.Once
	sqlDB    *sql.DB
}

func (f *frontService) close() {
	if f.sqlDB != nil {
		_ = f.sqlDB.Close()
	}
}

func (f *frontService) Hello(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// StartInstance replaces a finished instance, as the extension does;
// durabletask-go needs to be told so with a reuse policy (in its older
// schema, where the policy's field 2 is the action: 2 = TERMINATE).
func (f *frontService) StartInstance(ctx context.Context, r *pb.CreateInstanceRequest) (*pb.CreateInstanceResponse, error) {
	r = proto.Clone(r).(*pb.CreateInstanceRequest)
	r.ScheduledStartTimestamp = nil // the extension ignores it too
	policy := &pb.OrchestrationIdReusePolicy{ReplaceableStatus: []pb.OrchestrationStatus{
		pb.OrchestrationStatus_ORCHESTRATION_STATUS_COMPLETED, pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED,
		pb.OrchestrationStatus_ORCHESTRATION_STATUS_TERMINATED, pb.OrchestrationStatus_ORCHESTRATION_STATUS_CANCELED}}
	policy.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 2))
	r.OrchestrationIdReusePolicy = policy
	resp, err := f.inner.StartInstance(ctx, r)
	if err != nil && strings.Contains(err.Error(), "already exists") {
		return nil, status.Errorf(codes.AlreadyExists, "An Orchestration instance with the ID %s already exists.", r.GetInstanceId())
	}
	return resp, err
}

func (f *frontService) GetInstance(ctx context.Context, r *pb.GetInstanceRequest) (*pb.GetInstanceResponse, error) {
	return f.inner.GetInstance(ctx, r)
}

func (f *frontService) RaiseEvent(ctx context.Context, r *pb.RaiseEventRequest) (*pb.RaiseEventResponse, error) {
	return f.inner.RaiseEvent(ctx, r)
}

func (f *frontService) TerminateInstance(ctx context.Context, r *pb.TerminateRequest) (*pb.TerminateResponse, error) {
	return f.inner.TerminateInstance(ctx, r)
}

func (f *frontService) SuspendInstance(ctx context.Context, r *pb.SuspendRequest) (*pb.SuspendResponse, error) {
	return f.inner.SuspendInstance(ctx, r)
}

func (f *frontService) ResumeInstance(ctx context.Context, r *pb.ResumeRequest) (*pb.ResumeResponse, error) {
	return f.inner.ResumeInstance(ctx, r)
}

func (f *frontService) WaitForInstanceStart(ctx context.Context, r *pb.GetInstanceRequest) (*pb.GetInstanceResponse, error) {
	return f.inner.WaitForInstanceStart(ctx, r)
}

func (f *frontService) WaitForInstanceCompletion(ctx context.Context, r *pb.GetInstanceRequest) (*pb.GetInstanceResponse, error) {
	return f.inner.WaitForInstanceCompletion(ctx, r)
}

func (f *frontService) SignalEntity(_ context.Context, r *pb.SignalEntityRequest) (*pb.SignalEntityResponse, error) {
	f.entities.Signal(r)
	return &pb.SignalEntityResponse{}, nil
}

func (f *frontService) GetEntity(_ context.Context, r *pb.GetEntityRequest) (*pb.GetEntityResponse, error) {
	return f.entities.Get(r), nil
}

func (f *frontService) QueryEntities(_ context.Context, r *pb.QueryEntitiesRequest) (*pb.QueryEntitiesResponse, error) {
	return f.entities.Query(r), nil
}

func (f *frontService) database() (*sql.DB, error) {
	var err error
	f.once.Do(func() { f.sqlDB, err = sql.Open("sqlite", "file:"+f.db+"?mode=ro&_pragma=busy_timeout(5000)") })
	return f.sqlDB, err
}

// QueryInstances pages through the Instances table by creation time; the
// continuation token is an offset.
func (f *frontService) QueryInstances(ctx context.Context, r *pb.QueryInstancesRequest) (*pb.QueryInstancesResponse, error) {
	q := r.GetQuery()
	ids, err := f.selectIDs(ctx, q.GetRuntimeStatus(), q.GetCreatedTimeFrom(), q.GetCreatedTimeTo(), q.GetInstanceIdPrefix().GetValue())
	if err != nil {
		return nil, err
	}
	offset, _ := strconv.Atoi(q.GetContinuationToken().GetValue())
	size := int(q.GetMaxInstanceCount())
	if size <= 0 {
		size = 100
	}
	resp := &pb.QueryInstancesResponse{}
	for i := offset; i < len(ids) && i < offset+size; i++ {
		got, err := f.inner.GetInstance(ctx, &pb.GetInstanceRequest{InstanceId: ids[i], GetInputsAndOutputs: q.GetFetchInputsAndOutputs()})
		if err != nil {
			return nil, err
		}
		if got.GetExists() {
			resp.OrchestrationState = append(resp.OrchestrationState, got.GetOrchestrationState())
		}
	}
	if offset+size < len(ids) {
		resp.ContinuationToken = wrapperspb.String(strconv.Itoa(offset + size))
	}
	return resp, nil
}

func (f *frontService) selectIDs(ctx context.Context, statuses []pb.OrchestrationStatus, from, to *timestamppb.Timestamp, prefix string) ([]string, error) {
	db, err := f.database()
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT InstanceID, RuntimeStatus, CreatedTime FROM Instances ORDER BY CreatedTime, InstanceID")
	if err != nil {
		return nil, status.Errorf(codes.Internal, "query instances: %v", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, st string
		var created time.Time
		if err := rows.Scan(&id, &st, &created); err != nil {
			return nil, status.Errorf(codes.Internal, "query instances: %v", err)
		}
		if !strings.HasPrefix(id, prefix) || !statusIn(st, statuses) ||
			from != nil && created.Before(from.AsTime()) || to != nil && created.After(to.AsTime()) {
			continue
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func statusIn(st string, statuses []pb.OrchestrationStatus) bool {
	if len(statuses) == 0 {
		return true
	}
	for _, s := range statuses {
		if strings.TrimPrefix(s.String(), "ORCHESTRATION_STATUS_") == st {
			return true
		}
	}
	return false
}

// PurgeInstances purges one instance through durabletask-go, or every
// finished instance a filter matches, one by one.
func (f *frontService) PurgeInstances(ctx context.Context, r *pb.PurgeInstancesRequest) (*pb.PurgeInstancesResponse, error) {
	if r.GetPurgeInstanceFilter() == nil {
		resp, err := f.inner.PurgeInstances(ctx, r)
		if err != nil && strings.Contains(err.Error(), "not found") {
			return &pb.PurgeInstancesResponse{}, nil
		}
		return resp, err
	}
	pf := r.GetPurgeInstanceFilter()
	statuses := pf.GetRuntimeStatus()
	if len(statuses) == 0 {
		statuses = []pb.OrchestrationStatus{pb.OrchestrationStatus_ORCHESTRATION_STATUS_COMPLETED, pb.OrchestrationStatus_ORCHESTRATION_STATUS_FAILED,
			pb.OrchestrationStatus_ORCHESTRATION_STATUS_TERMINATED, pb.OrchestrationStatus_ORCHESTRATION_STATUS_CANCELED}
	}
	ids, err := f.selectIDs(ctx, statuses, pf.GetCreatedTimeFrom(), pf.GetCreatedTimeTo(), "")
	if err != nil {
		return nil, err
	}
	n := 0
	for _, id := range ids {
		if _, err := f.inner.PurgeInstances(ctx, &pb.PurgeInstancesRequest{Request: &pb.PurgeInstancesRequest_InstanceId{InstanceId: id}}); err == nil {
			n++
		}
	}
	return &pb.PurgeInstancesResponse{DeletedInstanceCount: int32(n)}, nil
}
