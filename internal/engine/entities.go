package engine

import (
	"encoding/json"
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
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
func entityOrEventMessage(now time.Time, a *history.Event) backend.Message {
	m := backend.Message{InstanceID: a.InstanceID, Event: history.NewEventRaised(now, a.Name, a.Input)}
	if a.Name == replay.EntityOperationEvent {
		var req replay.EntityRequest
		if json.Unmarshal([]byte(a.Input), &req) == nil && !req.ScheduledTime.IsZero() {
			m.VisibleAt = req.ScheduledTime
		}
	}
	return m
}
