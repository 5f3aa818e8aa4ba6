package engine

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// EntityBatch is a batch of operations for one entity.
type EntityBatch struct {
	InstanceID string
	Name       string
	Key        string
	// State is the entity's JSON state; HasState is false for a new or
	// deleted entity.
	State      string
	HasState   bool
	Operations []EntityOperation
}

// EntityOperation is one operation of a batch.
type EntityOperation struct {
	Operation string
	Input     string
	IsSignal  bool
}

// EntityBatchResult is the outcome of a batch: one result per operation, the
// final state and what the operations sent.
type EntityBatchResult struct {
	Results  []EntityOperationResult
	State    string
	HasState bool
	Actions  []EntityAction
}

// EntityOperationResult is one operation's result or failure.
type EntityOperationResult struct {
	Result  string
	Failure *history.FailureDetails
}

// EntityAction is a signal or orchestration start issued by an operation.
type EntityAction struct {
	// Exactly one of Signal and Start is set.
	Signal *EntitySignal
	Start  *history.Event // ExecutionStarted for a new orchestration
}

// EntitySignal is a one-way operation sent to an entity.
type EntitySignal struct {
	Target    string // "@name@key"
	Operation string
	Input     string
	At        time.Time
}

// entityOrEventMessage turns an EventSent action into the message its
// target receives: entity operations travel as EventRaised named "op",
// delayed to their scheduled time.
func entityOrEventMessage(now time.Time, a *history.Event) store.Message {
	m := store.Message{InstanceID: a.InstanceID, Event: history.NewEventRaised(now, a.Name, a.Input)}
	if a.Name == replay.EntityOperationEvent {
		var req replay.EntityRequest
		if json.Unmarshal([]byte(a.Input), &req) == nil && !req.ScheduledTime.IsZero() {
			m.VisibleAt = req.ScheduledTime
		}
	}
	return m
}

// EntitySchedulerState is what an entity's instance row keeps in Input: its
// state, whether it exists, the operations waiting for it and the
// orchestration holding its lock.
type EntitySchedulerState struct {
	Exists   bool                    `json:"exists"`
	State    string                  `json:"state,omitempty"`
	Queue    []*replay.EntityRequest `json:"queue,omitempty"`
	LockedBy string                  `json:"lockedBy,omitempty"`
	// Delivered is the last message accepted from each sender, Held the
	// messages that arrived before their predecessor, and LastSent the last
	// signal this entity sent to each entity: together they keep every
	// sender's messages in the order sent (see sorter.go).
	Delivered map[string]mark `json:"delivered,omitempty"`
	Held      []heldRequest   `json:"held,omitempty"`
	LastSent  map[string]mark `json:"lastSent,omitempty"`
}

// DecodeEntityState reads the scheduler state from an entity's row.
func DecodeEntityState(input string) (*EntitySchedulerState, error) {
	st := &EntitySchedulerState{}
	if input == "" {
		return st, nil
	}
	if err := json.Unmarshal([]byte(input), st); err != nil {
		return nil, err
	}
	return st, nil
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, store.ErrNotFound) }

// heldLocks returns the entities whose locks the execution requested and
// has not released, from its history.
func heldLocks(h []*history.Event) (ids []string, requestID string) {
	for _, e := range h {
		if e.EventType != history.EventSent {
			continue
		}
		switch e.Name {
		case replay.EntityOperationEvent:
			var req replay.EntityRequest
			if json.Unmarshal([]byte(e.Input), &req) == nil && len(req.LockSet) > 0 {
				ids, requestID = req.LockSet, req.ID
			}
		case replay.EntityReleaseEvent:
			ids, requestID = nil, ""
		}
	}
	return ids, requestID
}

// releaseLocks releases the entity locks an ending orchestration holds.
func (ep *episode) releaseLocks() {
	ids, reqID := heldLocks(ep.hist)
	if len(ids) == 0 {
		return
	}
	body, _ := json.Marshal(replay.EntityRelease{ParentInstance: ep.inst.InstanceID, LockRequestID: reqID})
	for _, id := range ids {
		ep.out.Messages = append(ep.out.Messages, store.Message{InstanceID: id,
			Event: history.NewEventRaised(ep.now, replay.EntityReleaseEvent, string(body))})
	}
}
