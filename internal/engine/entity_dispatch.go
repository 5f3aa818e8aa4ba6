package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// entityRun is the state of one entity work item.
type entityRun struct {
	e     *Engine
	wi    *store.OrchestrationWorkItem
	now   time.Time
	id    string // "@name@key"
	name  string
	key   string
	state *EntitySchedulerState
	out   store.OrchestrationCommit
}

// processEntity queues the entity's new requests, runs what the lock allows
// in batches, and writes the new scheduler state. Entities keep no history:
// their row holds everything.
func (e *Engine) processEntity(wi *store.OrchestrationWorkItem) (*store.OrchestrationCommit, time.Duration) {
	name, key, _ := history.SplitEntityID(wi.InstanceID)
	r := &entityRun{e: e, wi: wi, now: e.clock.Now(), id: wi.InstanceID, name: name, key: key}
	st, err := DecodeEntityState("")
	if wi.Instance != nil {
		st, err = DecodeEntityState(wi.Instance.Input)
	}
	if err != nil {
		e.log.Error("durable: entity state is corrupt; starting from an empty state", "entity", wi.InstanceID, "error", err)
		st = &EntitySchedulerState{}
	}
	r.state = st
	r.expire()
	for _, m := range wi.Messages {
		r.receive(m)
	}
	r.releaseOrphanedLock()
	for r.runBatch() {
	}
	return r.commit(), 0
}

// receive passes a request (or a lock release) to the sorter.
func (r *entityRun) receive(m *store.Message) {
	ev := m.Event
	if ev.EventType != history.EventRaised {
		return
	}
	var req replay.EntityRequest
	switch ev.Name {
	case replay.EntityReleaseEvent:
		var rel replay.EntityRelease
		if err := json.Unmarshal([]byte(ev.Input), &rel); err != nil {
			r.e.log.Warn("durable: dropping a malformed lock release", "entity", r.id, "error", err)
			return
		}
		req = replay.EntityRequest{ID: rel.MessageID, ParentInstance: rel.ParentInstance, Predecessor: rel.Predecessor,
			PredecessorTime: rel.PredecessorTime, ReleaseOf: rel.LockRequestID}
		if req.ID == "" {
			req.ID = "release:" + rel.LockRequestID
		}
	default:
		if err := json.Unmarshal([]byte(ev.Input), &req); err != nil {
			r.e.log.Warn("durable: dropping a malformed entity request", "entity", r.id, "error", err)
			return
		}
	}
	r.accept(&req)
}

// release ends the sender's hold on the lock, and cancels its lock request
// if that is still queued here.
func (r *entityRun) release(rel *replay.EntityRequest) {
	if r.state.LockedBy == rel.ParentInstance {
		r.state.LockedBy = ""
	}
	q := r.state.Queue[:0]
	for _, req := range r.state.Queue {
		if len(req.LockSet) > 0 && req.ID == rel.ReleaseOf && req.ParentInstance == rel.ParentInstance {
			continue
		}
		q = append(q, req)
	}
	r.state.Queue = q
}

// releaseOrphanedLock frees a lock whose holder no longer runs (finished,
// purged, or terminated while its release was lost), so waiting callers are
// not blocked forever.
func (r *entityRun) releaseOrphanedLock() {
	holder := r.state.LockedBy
	if holder == "" {
		return
	}
	inst, err := r.e.be.GetInstance(context.Background(), holder)
	if err == nil && !inst.Status.IsTerminal() {
		return
	}
	if err != nil && !isNotFound(err) {
		return // cannot tell; keep the lock
	}
	r.e.log.Warn("durable: releasing an orphaned entity lock", "entity", r.id, "lockedBy", holder)
	r.state.LockedBy = ""
}

// next removes and returns the next request the lock allows, or nil.
func (r *entityRun) next() *replay.EntityRequest {
	for i, req := range r.state.Queue {
		if r.state.LockedBy == "" || req.ParentInstance == r.state.LockedBy {
			r.state.Queue = append(r.state.Queue[:i:i], r.state.Queue[i+1:]...)
			return req
		}
	}
	return nil
}

// runBatch runs up to MaxEntityBatchSize operations; it returns false when
// nothing could run.
func (r *entityRun) runBatch() bool {
	var ops []*replay.EntityRequest
	for len(ops) < r.e.opts.MaxEntityBatchSize {
		req := r.peekRunnable()
		if req == nil {
			break
		}
		if len(req.LockSet) > 0 || req.ReleaseOf != "" {
			if len(ops) > 0 {
				break // run the operations before it first
			}
			r.next()
			if req.ReleaseOf != "" {
				r.release(req)
			} else {
				r.lock(req)
			}
			return true
		}
		ops = append(ops, r.next())
	}
	if len(ops) == 0 {
		return false
	}
	r.execute(ops)
	return true
}

func (r *entityRun) peekRunnable() *replay.EntityRequest {
	for _, req := range r.state.Queue {
		if r.state.LockedBy == "" || req.ParentInstance == r.state.LockedBy {
			return req
		}
	}
	return nil
}

// lock takes the entity's lock for a request and passes the request on to
// the next entity of its lock set, or grants the lock to the orchestration.
func (r *entityRun) lock(req *replay.EntityRequest) {
	if inst, err := r.e.be.GetInstance(context.Background(), req.ParentInstance); (err == nil && inst.Status.IsTerminal()) || isNotFound(err) {
		r.e.log.Warn("durable: ignoring a lock request from an orchestration that no longer runs", "entity", r.id, "from", req.ParentInstance)
		return
	}
	r.state.LockedBy = req.ParentInstance
	if req.Position+1 < len(req.LockSet) {
		fwd := *req
		fwd.Position++
		fwd.Predecessor = "" // forwarded lock requests are not ordered
		body, _ := json.Marshal(&fwd)
		r.out.Messages = append(r.out.Messages, store.Message{InstanceID: fwd.LockSet[fwd.Position],
			Event: history.NewEventRaised(r.now, replay.EntityOperationEvent, string(body))})
		return
	}
	r.respond(req, replay.EntityResponse{Result: replay.LockGrantedResult})
}

func (r *entityRun) respond(req *replay.EntityRequest, resp replay.EntityResponse) {
	if req.IsSignal || req.ParentInstance == "" {
		return
	}
	body, _ := json.Marshal(&resp)
	r.out.Messages = append(r.out.Messages, store.Message{InstanceID: req.ParentInstance, ExecutionID: req.ParentExecution,
		Event: history.NewEventRaised(r.now, req.ID, string(body))})
}

// execute runs a batch of operations through the executor.
func (r *entityRun) execute(ops []*replay.EntityRequest) {
	batch := &EntityBatch{InstanceID: r.id, Name: r.name, Key: r.key, State: r.state.State, HasState: r.state.Exists}
	for _, req := range ops {
		batch.Operations = append(batch.Operations, EntityOperation{Operation: req.Operation, Input: req.Input, IsSignal: req.IsSignal})
	}
	res := r.e.entities.RunEntityBatch(context.Background(), batch)
	r.state.State, r.state.Exists = res.State, res.HasState
	for i, req := range ops {
		var resp replay.EntityResponse
		if i < len(res.Results) {
			if f := res.Results[i].Failure; f != nil {
				resp.ExceptionType, resp.ErrorMessage, resp.StackTrace = nonEmpty(f.ErrorType, "Error"), f.ErrorMessage, f.StackTrace
				r.e.log.Info("durable: entity operation failed", "entity", r.id, "operation", req.Operation, "error", f.ErrorMessage)
			} else {
				resp.Result = res.Results[i].Result
			}
		} else {
			resp.ExceptionType, resp.ErrorMessage = "Error", fmt.Sprintf("operation '%s' was not run", req.Operation)
		}
		r.respond(req, resp)
	}
	for _, a := range res.Actions {
		r.emit(a)
	}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// emit sends a signal or starts an orchestration on behalf of an operation.
func (r *entityRun) emit(a EntityAction) {
	switch {
	case a.Signal != nil:
		id := NewExecutionID()
		req := replay.EntityRequest{ID: id, Operation: a.Signal.Operation, IsSignal: true, Input: a.Signal.Input,
			ParentInstance: r.id, ScheduledTime: a.Signal.At}
		if a.Signal.At.IsZero() { // scheduled signals are not ordered
			req.Predecessor, req.PredecessorTime = r.predecessorFor(a.Signal.Target, id)
		}
		body, _ := json.Marshal(&req)
		r.out.Messages = append(r.out.Messages, store.Message{InstanceID: a.Signal.Target, VisibleAt: a.Signal.At,
			Event: history.NewEventRaised(r.now, replay.EntityOperationEvent, string(body))})
	case a.Start != nil:
		id := a.Start.OrchestrationInstance.InstanceID
		r.out.Messages = append(r.out.Messages, store.Message{InstanceID: id, Event: a.Start})
	}
}

func (r *entityRun) commit() *store.OrchestrationCommit {
	body, _ := json.Marshal(r.state)
	status, _ := json.Marshal(map[string]any{"entityExists": r.state.Exists, "queueSize": len(r.state.Queue), "lockedBy": nullable(r.state.LockedBy)})
	inst := &store.Instance{InstanceID: r.id, Name: r.name, ExecutionID: "entity", Status: history.StatusRunning,
		Input: string(body), CustomStatus: string(status), CreatedAt: r.now, LastUpdatedAt: r.now}
	if old := r.wi.Instance; old != nil && !old.CreatedAt.IsZero() {
		inst.CreatedAt = old.CreatedAt
	}
	r.out.Instance = inst
	r.out.ReplaceHistory = true
	return &r.out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
