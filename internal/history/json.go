package history

import (
	"encoding/json"
	"fmt"
	"time"
)

// wireEvent is the JSON form of an Event. Pointers and omitempty let each
// event type write only its own fields, in the Durable Task names, while
// zero-valued ids (EventId 0, TaskScheduledId 0) are still written where the
// type uses them.
type wireEvent struct {
	EventType EventType `json:"EventType"`
	EventID   int       `json:"EventId"`
	IsPlayed  bool      `json:"IsPlayed"`
	Timestamp wireTime  `json:"Timestamp"`
	Name      *string   `json:"Name,omitempty"`
	Version   *string   `json:"Version,omitempty"`
	Input     *string   `json:"Input,omitempty"`
	Result    *string   `json:"Result,omitempty"`
	Instance  *string   `json:"InstanceId,omitempty"`
	FireAt    *wireTime `json:"FireAt,omitempty"`

	OrchestrationInstance *OrchestrationInstance `json:"OrchestrationInstance,omitempty"`
	ParentInstance        *ParentInstance        `json:"ParentInstance,omitempty"`
	ScheduledStartTime    *wireTime              `json:"ScheduledStartTime,omitempty"`
	Tags                  map[string]string      `json:"Tags,omitempty"`
	Generation            *int                   `json:"Generation,omitempty"`
	OrchestrationStatus   *RuntimeStatus         `json:"OrchestrationStatus,omitempty"`
	TaskScheduledID       *int                   `json:"TaskScheduledId,omitempty"`
	TimerID               *int                   `json:"TimerId,omitempty"`
	Reason                *string                `json:"Reason,omitempty"`
	Details               *string                `json:"Details,omitempty"`
	FailureDetails        *FailureDetails        `json:"FailureDetails,omitempty"`
	Data                  *string                `json:"Data,omitempty"`
	ParentTraceContext    *TraceContext          `json:"ParentTraceContext,omitempty"`
}

// wireTime is a timestamp as the Durable Task Framework writes it: ISO 8601
// with up to seven fractional digits and 'Z' or an offset, or with no zone
// at all (.NET's unspecified kind), which is read as UTC. It is written in
// RFC 3339 with as many fractional digits as it has.
type wireTime struct{ time.Time }

// UnmarshalJSON reads null as the zero time.
func (t *wireTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	err := t.Time.UnmarshalJSON(b)
	if err == nil {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return err
	}
	// Parsing accepts a fractional second after the seconds field even
	// though the layout does not show one.
	v, zerr := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC)
	if zerr != nil {
		return err
	}
	t.Time = v
	return nil
}

func optTime(t *time.Time) *wireTime {
	if t == nil {
		return nil
	}
	return &wireTime{*t}
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MarshalJSON writes the fields that belong to the event's type.
func (e *Event) MarshalJSON() ([]byte, error) {
	w := wireEvent{EventType: e.EventType, EventID: e.EventID, IsPlayed: e.IsPlayed, Timestamp: wireTime{e.Timestamp},
		ParentTraceContext: e.ParentTraceContext}
	switch e.EventType {
	case ExecutionStarted:
		w.Name, w.Version, w.Input = &e.Name, optString(e.Version), optString(e.Input)
		w.OrchestrationInstance, w.ParentInstance = e.OrchestrationInstance, e.ParentInstance
		w.ScheduledStartTime, w.Tags = optTime(e.ScheduledStartTime), e.Tags
		if e.Generation != 0 {
			w.Generation = &e.Generation
		}
	case ExecutionCompleted:
		w.OrchestrationStatus, w.Result, w.FailureDetails = &e.OrchestrationStatus, optString(e.Result), e.FailureDetails
	case ExecutionTerminated:
		w.Input = optString(e.Input)
	case TaskScheduled:
		w.Name, w.Version, w.Input = &e.Name, optString(e.Version), optString(e.Input)
	case TaskCompleted, SubOrchestrationInstanceCompleted:
		w.TaskScheduledID, w.Result = &e.TaskScheduledID, optString(e.Result)
	case TaskFailed, SubOrchestrationInstanceFailed:
		w.TaskScheduledID, w.Reason, w.Details, w.FailureDetails = &e.TaskScheduledID, optString(e.Reason), optString(e.Details), e.FailureDetails
	case SubOrchestrationInstanceCreated:
		w.Name, w.Version, w.Instance, w.Input = &e.Name, optString(e.Version), &e.InstanceID, optString(e.Input)
	case TimerCreated:
		w.FireAt = &wireTime{e.FireAt}
	case TimerFired:
		w.TimerID, w.FireAt = &e.TimerID, &wireTime{e.FireAt}
	case EventSent:
		w.Instance, w.Name, w.Input = &e.InstanceID, &e.Name, optString(e.Input)
	case EventRaised:
		w.Name, w.Input = &e.Name, optString(e.Input)
	case ContinueAsNew:
		w.Result = optString(e.Result)
	case GenericEvent:
		w.Data = optString(e.Data)
	case ExecutionSuspended, ExecutionResumed, ExecutionRewound:
		w.Reason = optString(e.Reason)
	}
	return json.Marshal(&w)
}

// UnmarshalJSON reads any event, ignoring unknown fields. Field names match
// case-insensitively, as they do for the Durable extension.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w wireEvent
	w.EventID = -1
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if !w.EventType.Valid() {
		return fmt.Errorf("history: unknown EventType %d", int(w.EventType))
	}
	*e = Event{
		EventType: w.EventType, EventID: w.EventID, IsPlayed: w.IsPlayed, Timestamp: w.Timestamp.Time,
		OrchestrationInstance: w.OrchestrationInstance, ParentInstance: w.ParentInstance,
		Tags: w.Tags, FailureDetails: w.FailureDetails, ParentTraceContext: w.ParentTraceContext,
	}
	if w.ScheduledStartTime != nil {
		t := w.ScheduledStartTime.Time
		e.ScheduledStartTime = &t
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	num := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	e.Name, e.Version, e.Input, e.Result = str(w.Name), str(w.Version), str(w.Input), str(w.Result)
	e.InstanceID, e.Reason, e.Details, e.Data = str(w.Instance), str(w.Reason), str(w.Details), str(w.Data)
	e.Generation, e.TaskScheduledID, e.TimerID = num(w.Generation), num(w.TaskScheduledID), num(w.TimerID)
	if w.FireAt != nil {
		e.FireAt = w.FireAt.Time
	}
	if w.OrchestrationStatus != nil {
		e.OrchestrationStatus = *w.OrchestrationStatus
	}
	return nil
}
