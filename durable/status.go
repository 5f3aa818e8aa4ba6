package durable

import (
	"encoding/json"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// RuntimeStatus is an instance's status, named as in Durable Functions.
type RuntimeStatus = history.RuntimeStatus

// The runtime statuses.
const (
	StatusRunning        = history.StatusRunning
	StatusCompleted      = history.StatusCompleted
	StatusContinuedAsNew = history.StatusContinuedAsNew
	StatusFailed         = history.StatusFailed
	StatusCanceled       = history.StatusCanceled
	StatusTerminated     = history.StatusTerminated
	StatusPending        = history.StatusPending
	StatusSuspended      = history.StatusSuspended
)

// ParseRuntimeStatus parses a status name (case-insensitive) or number.
func ParseRuntimeStatus(s string) (RuntimeStatus, error) { return history.ParseRuntimeStatus(s) }

// HistoryEvent is one event of an instance's history.
type HistoryEvent = history.Event

// HistoryEventType is the kind of a [HistoryEvent]; its String method gives
// the Durable Task Framework's name ("TaskScheduled", "TimerFired", ...).
type HistoryEventType = history.EventType

// OrchestrationInstance names one execution of an instance: a
// [HistoryEvent] of type ExecutionStarted carries it.
type OrchestrationInstance = history.OrchestrationInstance

// ParentInstance names the orchestration that started a sub-orchestration,
// on the child's ExecutionStarted [HistoryEvent].
type ParentInstance = history.ParentInstance

// Status is what a client sees of an instance.
type Status struct {
	InstanceID    string
	Name          string
	RuntimeStatus RuntimeStatus
	// Input, Output and CustomStatus are JSON (nil when absent).
	Input        json.RawMessage
	Output       json.RawMessage
	CustomStatus json.RawMessage
	// Failure explains a Failed instance.
	Failure          *FailureDetails
	CreatedAt        time.Time
	LastUpdatedAt    time.Time
	ParentInstanceID string
	// Version is the version the instance's current execution was started
	// with ("" when none). GetStatus sets it when the runtime has a default
	// version (host.json defaultVersion) or WithHistory is asked for, since
	// it is read from the history; ListInstances leaves it empty.
	Version string
	// History is set when requested with WithHistory.
	History []*HistoryEvent
}

// IsFinished reports whether the instance completed, failed, was
// terminated or canceled.
func (s *Status) IsFinished() bool { return s.RuntimeStatus.IsTerminal() }

// DecodeOutput decodes the output into v.
func (s *Status) DecodeOutput(v any) error {
	if len(s.Output) == 0 {
		return nil
	}
	return json.Unmarshal(s.Output, v)
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

func statusFrom(inst *store.Instance) *Status {
	st := &Status{
		InstanceID: inst.InstanceID, Name: inst.Name, RuntimeStatus: inst.Status,
		Input: raw(inst.Input), Output: raw(inst.Output), CustomStatus: raw(inst.CustomStatus),
		Failure: inst.Failure, CreatedAt: inst.CreatedAt, LastUpdatedAt: inst.LastUpdatedAt,
		ParentInstanceID: inst.ParentInstance,
	}
	if st.Failure != nil && st.Output == nil {
		// Durable Functions reports a failed instance's message as its output.
		if b, err := json.Marshal(st.Failure.ErrorMessage); err == nil {
			st.Output = b
		}
	}
	return st
}
