package extension

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
	"github.com/godurable/durablefunctions/internal/replay"
)

// buildResponse turns a replay result into the extension's response: one
// action per new scheduling event, with the event's sequence number as the
// action id (the id the extension writes into TaskScheduled and friends,
// and the one completions come back with), then the completion.
func buildResponse(id string, past, news []*history.Event, res *replay.Result, s *sorter) (*pb.OrchestratorResponse, error) {
	resp := &pb.OrchestratorResponse{InstanceId: id}
	if res.CustomStatusSet {
		resp.CustomStatus = optStr(res.CustomStatus)
	}
	next := 0
	locks := &lockTracker{}
	for _, list := range [][]*history.Event{past, news} {
		for _, e := range list {
			if e.EventType.IsScheduling() {
				next = max(next, e.EventID+1)
				locks.observe(e)
				if e.EventType == history.EventSent {
					s.observe(e)
				}
			}
		}
	}
	for _, a := range res.Actions {
		act, err := toAction(a, s)
		if err != nil {
			return nil, err
		}
		locks.observe(a)
		resp.Actions = append(resp.Actions, act)
		next = max(next, a.EventID+1)
	}
	if !res.Done {
		return resp, nil
	}
	// A finished execution gives back the entity locks it still holds, as
	// the Durable Task Framework's own executor does.
	for _, rel := range locks.releases(id, nowOf(past, news)) {
		rel.EventID = next
		next++
		act, err := toAction(rel, s)
		if err != nil {
			return nil, err
		}
		resp.Actions = append(resp.Actions, act)
	}
	resp.Actions = append(resp.Actions, completion(next, res))
	return resp, nil
}

func toAction(a *history.Event, s *sorter) (*pb.OrchestratorAction, error) {
	act := &pb.OrchestratorAction{Id: int32(a.EventID)}
	switch a.EventType {
	case history.TaskScheduled:
		act.OrchestratorActionType = &pb.OrchestratorAction_ScheduleTask{ScheduleTask: &pb.ScheduleTaskAction{
			Name: a.Name, Version: optStr(a.Version), Input: optStr(a.Input)}}
	case history.TimerCreated:
		act.OrchestratorActionType = &pb.OrchestratorAction_CreateTimer{CreateTimer: &pb.CreateTimerAction{FireAt: ts(a.FireAt)}}
	case history.SubOrchestrationInstanceCreated:
		act.OrchestratorActionType = &pb.OrchestratorAction_CreateSubOrchestration{CreateSubOrchestration: &pb.CreateSubOrchestrationAction{
			InstanceId: a.InstanceID, Name: a.Name, Version: optStr(a.Version), Input: optStr(a.Input)}}
	case history.EventSent:
		name, data := a.Name, a.Input
		if strings.HasPrefix(a.InstanceID, "@") {
			var err error
			if name, data, err = s.toDTFx(a); err != nil {
				return nil, err
			}
		}
		act.OrchestratorActionType = &pb.OrchestratorAction_SendEvent{SendEvent: &pb.SendEventAction{
			Instance: &pb.OrchestrationInstance{InstanceId: a.InstanceID}, Name: name, Data: optStr(data)}}
	default:
		return nil, fmt.Errorf("the replay core produced a %s action, which has no protocol form", a.EventType)
	}
	return act, nil
}

func completion(id int, res *replay.Result) *pb.OrchestratorAction {
	c := &pb.CompleteOrchestrationAction{OrchestrationStatus: pb.OrchestrationStatus(res.Status)}
	switch res.Status {
	case history.StatusContinuedAsNew:
		c.Result = optStr(res.NewInput)
		for _, e := range res.CarryOver {
			c.CarryoverEvents = append(c.CarryoverEvents, &pb.HistoryEvent{EventId: -1, Timestamp: ts(e.Timestamp),
				EventType: &pb.HistoryEvent_EventRaised{EventRaised: &pb.EventRaisedEvent{Name: e.Name, Input: optStr(e.Input)}}})
		}
	case history.StatusFailed:
		c.FailureDetails = failureToProto(res.Failure)
		if c.FailureDetails == nil {
			c.FailureDetails = &pb.TaskFailureDetails{ErrorType: "OrchestrationFailed", ErrorMessage: "the orchestration failed"}
		}
	default:
		c.Result = optStr(res.Output)
	}
	return &pb.OrchestratorAction{Id: int32(id), OrchestratorActionType: &pb.OrchestratorAction_CompleteOrchestration{CompleteOrchestration: c}}
}

// lockTracker follows the execution's lock requests and releases, to know
// which locks it holds when it ends.
type lockTracker struct {
	requestID string
	entities  []string
	parent    string
}

func (l *lockTracker) observe(e *history.Event) {
	if e.EventType != history.EventSent {
		return
	}
	switch e.Name {
	case replay.EntityOperationEvent:
		var r struct {
			ID      string          `json:"id"`
			Parent  string          `json:"parent"`
			LockSet json.RawMessage `json:"lockset"`
		}
		if json.Unmarshal([]byte(e.Input), &r) != nil || len(r.LockSet) == 0 {
			return
		}
		l.requestID, l.parent, l.entities = r.ID, r.Parent, lockSetIDs(r.LockSet)
	case replay.EntityReleaseEvent:
		var r struct {
			ID string `json:"id"`
		}
		if json.Unmarshal([]byte(e.Input), &r) == nil && strings.EqualFold(r.ID, l.requestID) {
			l.requestID, l.entities = "", nil
		}
	}
}

// lockSetIDs reads a lock set in either dialect: "@name@key" strings (the
// replay core) or {"name","key"} objects (DTFx).
func lockSetIDs(raw json.RawMessage) []string {
	var ids []string
	if json.Unmarshal(raw, &ids) == nil {
		return ids
	}
	var objs []dtfxEntityID
	if json.Unmarshal(raw, &objs) == nil {
		for _, o := range objs {
			ids = append(ids, "@"+o.Name+"@"+o.Key)
		}
	}
	return ids
}

func (l *lockTracker) releases(instanceID string, now history.Event) []*history.Event {
	var out []*history.Event
	for _, id := range l.entities {
		body, _ := json.Marshal(replay.EntityRelease{ParentInstance: instanceID, LockRequestID: l.requestID})
		out = append(out, history.NewEventSent(now.Timestamp, 0, id, replay.EntityReleaseEvent, string(body)))
	}
	return out
}

// nowOf returns an event carrying the episode's time: the timestamp of the
// last OrchestratorStarted.
func nowOf(lists ...[]*history.Event) history.Event {
	var now history.Event
	for _, l := range lists {
		for _, e := range l {
			if e.EventType == history.OrchestratorStarted && e.Timestamp.After(now.Timestamp) {
				now.Timestamp = e.Timestamp
			}
		}
	}
	return now
}
