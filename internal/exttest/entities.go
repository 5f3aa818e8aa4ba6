package exttest

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// EntityScheduler is the extension's side of entities, which durabletask-go
// 0.6.0 does not have. It follows the Durable Task Framework's
// TaskEntityDispatcher (Azure/durabletask, src/DurableTask.Core/
// TaskEntityDispatcher.cs) in what a worker can observe: requests queue per
// entity; a batch runs every queued operation up to the next lock request,
// skipping (and keeping) those of other orchestrations while the entity is
// locked; each two-way call is answered with a ResponseMessage raised on
// the caller under the request id; a lock request is granted when it
// reaches the queue's head, forwarded to the next entity of its lock set,
// and answered "Lock Acquisition Completed" by the last; a release from
// the holder unlocks. State lives in memory: the stand-in's process stays
// up in every test, only the worker is killed.
type EntityScheduler struct {
	mu       sync.Mutex
	inner    pb.TaskHubSidecarServiceClient
	host     *Host
	entities map[string]*entityRecord
	ctx      context.Context
	cancel   context.CancelFunc
}

type entityRecord struct {
	id       string
	state    *string
	lockedBy string
	queue    []*dtfxRequest
	running  bool
	modified time.Time
}

// dtfxRequest is DTFx's RequestMessage (the fields the scheduler uses).
type dtfxRequest struct {
	Operation  string     `json:"op,omitempty"`
	IsSignal   bool       `json:"signal,omitempty"`
	Input      *string    `json:"input,omitempty"`
	ID         string     `json:"id"`
	Parent     string     `json:"parent,omitempty"`
	ParentExec string     `json:"parentExecution,omitempty"`
	Due        *time.Time `json:"due,omitempty"`
	LockSet    []struct {
		Name string `json:"name"`
		Key  string `json:"key"`
	} `json:"lockset,omitempty"`
	Position int `json:"pos,omitempty"`
}

func newEntityScheduler(inner pb.TaskHubSidecarServiceClient) *EntityScheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &EntityScheduler{inner: inner, entities: map[string]*entityRecord{}, ctx: ctx, cancel: cancel}
}

func (s *EntityScheduler) stop() { s.cancel() }

func (s *EntityScheduler) record(id string) *entityRecord {
	e := s.entities[id]
	if e == nil {
		e = &entityRecord{id: id}
		s.entities[id] = e
	}
	return e
}

// Deliver takes a message an orchestration sent to an entity (its
// SendEvent action: name "op", "op@<due>" or "release").
func (s *EntityScheduler) Deliver(target, name, data string) {
	if name == "release" {
		var rel struct{ Parent, ID string }
		_ = json.Unmarshal([]byte(data), &rel)
		s.mu.Lock()
		e := s.record(target)
		if strings.EqualFold(e.lockedBy, rel.Parent) {
			e.lockedBy = ""
		}
		s.kick(e)
		s.mu.Unlock()
		return
	}
	var r dtfxRequest
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return // DTFx would fail the entity; nothing in these tests sends this
	}
	s.enqueue(target, &r)
}

// Signal takes a client's SignalEntity.
func (s *EntityScheduler) Signal(req *pb.SignalEntityRequest) {
	r := &dtfxRequest{Operation: req.GetName(), IsSignal: true, ID: req.GetRequestId()}
	if req.GetInput() != nil {
		in := req.GetInput().GetValue()
		r.Input = &in
	}
	if req.GetScheduledTime() != nil {
		t := req.GetScheduledTime().AsTime()
		r.Due = &t
	}
	s.enqueue(req.GetInstanceId(), r)
}

func (s *EntityScheduler) enqueue(target string, r *dtfxRequest) {
	if r.Due != nil && time.Until(*r.Due) > 0 {
		due := *r.Due
		time.AfterFunc(time.Until(due), func() { r.Due = nil; s.enqueue(target, r) })
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.record(target)
	e.queue = append(e.queue, r)
	s.kick(e)
}

func (s *EntityScheduler) kick(e *entityRecord) {
	if !e.running && len(e.queue) > 0 {
		e.running = true
		go s.run(e)
	}
}

// next takes the next batch: operations up to the first lock request,
// skipping requests of other orchestrations while the entity is locked.
func (s *EntityScheduler) next(e *entityRecord) (ops []*dtfxRequest, lock *dtfxRequest) {
	var keep []*dtfxRequest
	for i, r := range e.queue {
		if e.lockedBy != "" && !strings.EqualFold(r.Parent, e.lockedBy) {
			keep = append(keep, r)
			continue
		}
		if len(r.LockSet) > 0 {
			if len(ops) == 0 {
				lock = r
			} else {
				keep = append(keep, r)
			}
			keep = append(keep, e.queue[i+1:]...)
			break
		}
		ops = append(ops, r)
	}
	e.queue = keep
	return ops, lock
}

func (s *EntityScheduler) run(e *entityRecord) {
	for {
		s.mu.Lock()
		ops, lock := s.next(e)
		if len(ops) == 0 && lock == nil {
			e.running = false
			s.mu.Unlock()
			return
		}
		state := e.state
		s.mu.Unlock()
		if len(ops) > 0 {
			res := s.execute(e.id, state, ops)
			if res == nil {
				return // stopping
			}
			s.apply(e, ops, res)
		}
		if lock != nil {
			s.grant(e, lock)
		}
	}
}

// execute runs a batch on the worker, retrying while it is unreachable.
func (s *EntityScheduler) execute(id string, state *string, ops []*dtfxRequest) *pb.EntityBatchResult {
	req := &pb.EntityBatchRequest{InstanceId: id}
	if state != nil {
		req.EntityState = wrapperspb.String(*state)
	}
	for _, op := range ops {
		o := &pb.OperationRequest{Operation: op.Operation, RequestId: op.ID}
		if op.Input != nil {
			o.Input = wrapperspb.String(*op.Input)
		}
		req.Operations = append(req.Operations, o)
	}
	for {
		res, err := s.host.Entity(s.ctx, req)
		if err == nil {
			return res
		}
		select {
		case <-s.ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *EntityScheduler) apply(e *entityRecord, ops []*dtfxRequest, res *pb.EntityBatchResult) {
	results := res.GetResults()
	if f := res.GetFailureDetails(); f != nil {
		for len(results) < len(ops) {
			results = append(results, &pb.OperationResult{ResultType: &pb.OperationResult_Failure{Failure: &pb.OperationResultFailure{FailureDetails: f}}})
		}
	}
	s.mu.Lock()
	if res.GetFailureDetails() == nil {
		e.state = nil
		if res.GetEntityState() != nil {
			v := res.GetEntityState().GetValue()
			e.state = &v
		}
	}
	e.modified = time.Now().UTC()
	if len(results) < len(ops) { // not processed: run again
		e.queue = append(append([]*dtfxRequest{}, ops[len(results):]...), e.queue...)
	}
	s.mu.Unlock()
	for i, r := range results {
		if !ops[i].IsSignal {
			s.respond(ops[i].Parent, ops[i].ID, response(r))
		}
	}
	for _, a := range res.GetActions() {
		if sig := a.GetSendSignal(); sig != nil {
			r := &dtfxRequest{Operation: sig.GetName(), IsSignal: true, ID: newID(), Parent: e.id}
			if sig.GetInput() != nil {
				in := sig.GetInput().GetValue()
				r.Input = &in
			}
			if sig.GetScheduledTime() != nil {
				t := sig.GetScheduledTime().AsTime()
				r.Due = &t
			}
			s.enqueue(sig.GetInstanceId(), r)
		}
		if st := a.GetStartNewOrchestration(); st != nil {
			id := st.GetInstanceId()
			if id == "" {
				id = newID()
			}
			_, _ = s.inner.StartInstance(s.ctx, &pb.CreateInstanceRequest{InstanceId: id, Name: st.GetName(), Input: st.GetInput()})
		}
	}
}

// response is the ResponseMessage DTFx raises on the caller.
func response(r *pb.OperationResult) string {
	out := map[string]any{"result": nil}
	if s := r.GetSuccess(); s != nil && s.GetResult() != nil {
		out["result"] = s.GetResult().GetValue()
	}
	if f := r.GetFailure(); f != nil {
		fd := f.GetFailureDetails()
		out["failureDetails"] = history.FailureDetails{ErrorType: fd.GetErrorType(), ErrorMessage: fd.GetErrorMessage(), StackTrace: fd.GetStackTrace().GetValue()}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func (s *EntityScheduler) grant(e *entityRecord, lock *dtfxRequest) {
	s.mu.Lock()
	e.lockedBy = lock.Parent
	s.mu.Unlock()
	lock.Position++
	if lock.Position < len(lock.LockSet) {
		next := lock.LockSet[lock.Position]
		s.enqueue("@"+next.Name+"@"+next.Key, lock)
		return
	}
	s.respond(lock.Parent, lock.ID, `{"result":"Lock Acquisition Completed"}`)
}

func (s *EntityScheduler) respond(parent, id, body string) {
	for s.ctx.Err() == nil {
		_, err := s.inner.RaiseEvent(s.ctx, &pb.RaiseEventRequest{InstanceId: parent, Name: id, Input: wrapperspb.String(body)})
		if err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Get answers GetEntity.
func (s *EntityScheduler) Get(r *pb.GetEntityRequest) *pb.GetEntityResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entities[r.GetInstanceId()]
	if e == nil || e.state == nil {
		return &pb.GetEntityResponse{}
	}
	return &pb.GetEntityResponse{Exists: true, Entity: metadata(e, r.GetIncludeState())}
}

func metadata(e *entityRecord, withState bool) *pb.EntityMetadata {
	m := &pb.EntityMetadata{InstanceId: e.id, LastModifiedTime: timestamppb.New(e.modified), BacklogQueueSize: int32(len(e.queue))}
	if e.lockedBy != "" {
		m.LockedBy = wrapperspb.String(e.lockedBy)
	}
	if withState && e.state != nil {
		m.SerializedState = wrapperspb.String(*e.state)
	}
	return m
}

// Query answers QueryEntities (entities with state, by id prefix).
func (s *EntityScheduler) Query(r *pb.QueryEntitiesRequest) *pb.QueryEntitiesResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	prefix := r.GetQuery().GetInstanceIdStartsWith().GetValue()
	var ids []string
	for id, e := range s.entities {
		if strings.HasPrefix(id, prefix) && e.state != nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := &pb.QueryEntitiesResponse{}
	for _, id := range ids {
		out.Entities = append(out.Entities, metadata(s.entities[id], r.GetQuery().GetIncludeState()))
	}
	return out
}
