package history

import (
	"fmt"
	"time"
)

// EventType numbers the history event kinds exactly as the Durable Task
// Framework does; the numbers appear in stored and exported JSON.
type EventType int

const (
	ExecutionStarted                  EventType = 0
	ExecutionCompleted                EventType = 1
	ExecutionFailed                   EventType = 2
	ExecutionTerminated               EventType = 3
	TaskScheduled                     EventType = 4
	TaskCompleted                     EventType = 5
	TaskFailed                        EventType = 6
	SubOrchestrationInstanceCreated   EventType = 7
	SubOrchestrationInstanceCompleted EventType = 8
	SubOrchestrationInstanceFailed    EventType = 9
	TimerCreated                      EventType = 10
	TimerFired                        EventType = 11
	OrchestratorStarted               EventType = 12
	OrchestratorCompleted             EventType = 13
	EventSent                         EventType = 14
	EventRaised                       EventType = 15
	ContinueAsNew                     EventType = 16
	GenericEvent                      EventType = 17
	HistoryState                      EventType = 18
	ExecutionSuspended                EventType = 19
	ExecutionResumed                  EventType = 20
	ExecutionRewound                  EventType = 21
)

var eventTypeNames = [...]string{
	"ExecutionStarted", "ExecutionCompleted", "ExecutionFailed", "ExecutionTerminated",
	"TaskScheduled", "TaskCompleted", "TaskFailed", "SubOrchestrationInstanceCreated",
	"SubOrchestrationInstanceCompleted", "SubOrchestrationInstanceFailed", "TimerCreated",
	"TimerFired", "OrchestratorStarted", "OrchestratorCompleted", "EventSent", "EventRaised",
	"ContinueAsNew", "GenericEvent", "HistoryState", "ExecutionSuspended", "ExecutionResumed",
	"ExecutionRewound",
}

// String returns the Durable Task name of the event type.
func (t EventType) String() string {
	if t >= 0 && int(t) < len(eventTypeNames) {
		return eventTypeNames[t]
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// Valid reports whether t is one of the known event types.
func (t EventType) Valid() bool { return t >= 0 && int(t) < len(eventTypeNames) }

// IsScheduling reports whether events of this type record an action the
// orchestrator took, numbered by EventID in the order the code took them.
func (t EventType) IsScheduling() bool {
	switch t {
	case TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated, EventSent:
		return true
	}
	return false
}

// Event is one history event. It is a flat union of the fields of every
// event type: which fields are meaningful depends on EventType (see the
// constructors below). Payload fields (Input, Result, Data) hold JSON text;
// the empty string means "no value".
type Event struct {
	EventType EventType
	// EventID is the sequence number of a scheduling event (TaskScheduled,
	// TimerCreated, SubOrchestrationInstanceCreated, EventSent) and -1 for
	// every other event.
	EventID   int
	IsPlayed  bool
	Timestamp time.Time

	Name    string // activity, orchestration, sub-orchestration or event name
	Version string
	Input   string // JSON input; the reason text for ExecutionTerminated
	Result  string // JSON output of a task, sub-orchestration or execution

	// InstanceID is the target of EventSent and the child of
	// SubOrchestrationInstanceCreated.
	InstanceID string

	// ExecutionStarted
	OrchestrationInstance *OrchestrationInstance
	ParentInstance        *ParentInstance
	ScheduledStartTime    *time.Time
	Tags                  map[string]string
	Generation            int

	// ExecutionCompleted
	OrchestrationStatus RuntimeStatus

	// Completion events: the EventID of the scheduling event they complete.
	TaskScheduledID int
	TimerID         int
	FireAt          time.Time

	// Failures, suspension and rewind
	Reason         string
	Details        string
	FailureDetails *FailureDetails

	Data string // GenericEvent

	// ParentTraceContext is the W3C trace context of the span this event
	// continues (ExecutionStarted: the starter's; TaskScheduled and entity
	// requests: the orchestration's). Nil when tracing is off.
	ParentTraceContext *TraceContext
}

// TraceContext is a W3C trace context as the Durable Task Framework stores
// it in ExecutionStarted ("ParentTraceContext").
type TraceContext struct {
	TraceParent string `json:"TraceParent"`
	TraceState  string `json:"TraceState,omitempty"`
}

// OrchestrationInstance names one execution of an instance.
type OrchestrationInstance struct {
	InstanceID  string `json:"InstanceId"`
	ExecutionID string `json:"ExecutionId"`
}

// ParentInstance identifies the orchestration that started a sub-orchestration
// and the sequence number its completion reports back to.
type ParentInstance struct {
	Name                  string                 `json:"Name,omitempty"`
	Version               string                 `json:"Version,omitempty"`
	TaskScheduleID        int                    `json:"TaskScheduleId"`
	OrchestrationInstance *OrchestrationInstance `json:"OrchestrationInstance,omitempty"`
}

// FailureDetails describes why a task, sub-orchestration or orchestration
// failed.
type FailureDetails struct {
	ErrorType      string          `json:"ErrorType,omitempty"`
	ErrorMessage   string          `json:"ErrorMessage"`
	StackTrace     string          `json:"StackTrace,omitempty"`
	InnerFailure   *FailureDetails `json:"InnerFailure,omitempty"`
	IsNonRetriable bool            `json:"IsNonRetriable,omitempty"`
}

// Error makes FailureDetails usable as an error value.
func (f *FailureDetails) Error() string {
	if f.ErrorType == "" {
		return f.ErrorMessage
	}
	return f.ErrorType + ": " + f.ErrorMessage
}
