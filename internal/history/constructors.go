package history

import "time"

// The constructors below build well-formed events of each type, so callers
// never have to remember which union fields a type uses or that non-scheduling
// events carry EventID -1.

func base(t EventType, ts time.Time) *Event {
	return &Event{EventType: t, EventID: -1, Timestamp: ts}
}

// NewExecutionStarted starts an execution of orchestration name.
func NewExecutionStarted(ts time.Time, name, instanceID, executionID, input string, parent *ParentInstance, scheduledStart *time.Time) *Event {
	e := base(ExecutionStarted, ts)
	e.Name = name
	e.Input = input
	e.OrchestrationInstance = &OrchestrationInstance{InstanceID: instanceID, ExecutionID: executionID}
	e.ParentInstance = parent
	e.ScheduledStartTime = scheduledStart
	return e
}

// NewExecutionCompleted ends an execution with status Completed, Failed or
// ContinuedAsNew.
func NewExecutionCompleted(ts time.Time, status RuntimeStatus, result string, failure *FailureDetails) *Event {
	e := base(ExecutionCompleted, ts)
	e.OrchestrationStatus = status
	e.Result = result
	e.FailureDetails = failure
	return e
}

// NewExecutionTerminated records a termination with its reason (JSON text).
func NewExecutionTerminated(ts time.Time, reason string) *Event {
	e := base(ExecutionTerminated, ts)
	e.Input = reason
	return e
}

// NewOrchestratorStarted opens an episode; its timestamp is the orchestration's
// current time during that episode.
func NewOrchestratorStarted(ts time.Time) *Event { return base(OrchestratorStarted, ts) }

// NewOrchestratorCompleted closes an episode.
func NewOrchestratorCompleted(ts time.Time) *Event { return base(OrchestratorCompleted, ts) }

// NewTaskScheduled records that the orchestrator called activity name.
func NewTaskScheduled(ts time.Time, id int, name, input string) *Event {
	e := base(TaskScheduled, ts)
	e.EventID, e.Name, e.Input = id, name, input
	return e
}

// NewTaskCompleted completes the activity scheduled with EventID id.
func NewTaskCompleted(ts time.Time, id int, result string) *Event {
	e := base(TaskCompleted, ts)
	e.TaskScheduledID, e.Result = id, result
	return e
}

// NewTaskFailed fails the activity scheduled with EventID id.
func NewTaskFailed(ts time.Time, id int, f *FailureDetails) *Event {
	e := base(TaskFailed, ts)
	e.TaskScheduledID, e.FailureDetails = id, f
	if f != nil {
		e.Reason, e.Details = f.ErrorMessage, f.StackTrace
	}
	return e
}

// NewSubOrchestrationCreated records that the orchestrator started a child.
func NewSubOrchestrationCreated(ts time.Time, id int, name, instanceID, input string) *Event {
	e := base(SubOrchestrationInstanceCreated, ts)
	e.EventID, e.Name, e.InstanceID, e.Input = id, name, instanceID, input
	return e
}

// NewSubOrchestrationCompleted reports a child's output to its parent.
func NewSubOrchestrationCompleted(ts time.Time, id int, result string) *Event {
	e := base(SubOrchestrationInstanceCompleted, ts)
	e.TaskScheduledID, e.Result = id, result
	return e
}

// NewSubOrchestrationFailed reports a child's failure to its parent.
func NewSubOrchestrationFailed(ts time.Time, id int, f *FailureDetails) *Event {
	e := base(SubOrchestrationInstanceFailed, ts)
	e.TaskScheduledID, e.FailureDetails = id, f
	if f != nil {
		e.Reason, e.Details = f.ErrorMessage, f.StackTrace
	}
	return e
}

// NewTimerCreated records a durable timer due at fireAt.
func NewTimerCreated(ts time.Time, id int, fireAt time.Time) *Event {
	e := base(TimerCreated, ts)
	e.EventID, e.FireAt = id, fireAt
	return e
}

// NewTimerFired fires the timer created with EventID id.
func NewTimerFired(ts time.Time, id int, fireAt time.Time) *Event {
	e := base(TimerFired, ts)
	e.TimerID, e.FireAt = id, fireAt
	return e
}

// NewEventSent records a message the orchestrator sent to another instance
// (entity operations travel this way).
func NewEventSent(ts time.Time, id int, instanceID, name, input string) *Event {
	e := base(EventSent, ts)
	e.EventID, e.InstanceID, e.Name, e.Input = id, instanceID, name, input
	return e
}

// NewEventRaised delivers an external event (or an entity response) to an
// orchestration.
func NewEventRaised(ts time.Time, name, input string) *Event {
	e := base(EventRaised, ts)
	e.Name, e.Input = name, input
	return e
}

// NewExecutionSuspended records a suspension with its reason.
func NewExecutionSuspended(ts time.Time, reason string) *Event {
	e := base(ExecutionSuspended, ts)
	e.Reason = reason
	return e
}

// NewExecutionResumed records a resumption with its reason.
func NewExecutionResumed(ts time.Time, reason string) *Event {
	e := base(ExecutionResumed, ts)
	e.Reason = reason
	return e
}

// NewExecutionRewound records a rewind with its reason.
func NewExecutionRewound(ts time.Time, reason string) *Event {
	e := base(ExecutionRewound, ts)
	e.Reason = reason
	return e
}

// NewGenericEvent carries arbitrary data.
func NewGenericEvent(ts time.Time, data string) *Event {
	e := base(GenericEvent, ts)
	e.Data = data
	return e
}
