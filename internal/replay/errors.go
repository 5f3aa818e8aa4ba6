package replay

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/godurable/durablefunctions/internal/history"
)

// Error types recorded in FailureDetails.ErrorType by the core itself.
const (
	NonDeterminismErrorType = "NonDeterministicOrchestrationError"
	CorruptHistoryErrorType = "CorruptHistoryError"
	PanicErrorType          = "panic"
	GoexitErrorType         = "runtime.Goexit"
)

// TaskFailedError is what awaiting a failed activity, sub-orchestration or
// entity operation returns.
type TaskFailedError struct {
	// Kind is "activity", "sub-orchestration" or "entity call".
	Kind string
	// Name is the activity or orchestrator name, or the entity operation.
	Name string
	// TaskID is the sequence number of the failed attempt.
	TaskID int
	// ErrorType, Message and StackTrace describe the failure as the worker
	// reported it.
	ErrorType  string
	Message    string
	StackTrace string
	// Inner is the failure's cause, when the worker reported one (for a
	// sub-orchestration, the failure of its own task).
	Inner *history.FailureDetails
}

func (e *TaskFailedError) Error() string {
	return fmt.Sprintf("%s '%s' (task %d) failed: %s", e.Kind, e.Name, e.TaskID, e.Message)
}

// Details returns the failure as history records it.
func (e *TaskFailedError) Details() *history.FailureDetails {
	return &history.FailureDetails{ErrorType: e.ErrorType, ErrorMessage: e.Message, StackTrace: e.StackTrace, InnerFailure: e.Inner}
}

func newTaskFailedError(t *Task, e *history.Event) *TaskFailedError {
	err := &TaskFailedError{Kind: kindNames[t.kind], Name: t.name, TaskID: t.id, Message: e.Reason, StackTrace: e.Details}
	if f := e.FailureDetails; f != nil {
		err.ErrorType, err.Message, err.StackTrace, err.Inner = f.ErrorType, f.ErrorMessage, f.StackTrace, f.InnerFailure
	}
	if err.Message == "" {
		err.Message = "unknown failure"
	}
	return err
}

// TimeoutError is returned when WaitForExternalEvent's timeout fires first.
type TimeoutError struct{ EventName string }

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("durable: timed out waiting for external event '%s'", e.EventName)
}

// InputError reports a value that could not be encoded or decoded.
type InputError struct {
	What string
	Err  error
}

func (e *InputError) Error() string { return fmt.Sprintf("durable: %s: %v", e.What, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// ActionLimitErrorType fails an execution that took more actions than
// Options.MaxActions allows.
const ActionLimitErrorType = "OrchestrationActionLimitExceeded"

func actionLimit(max int) *history.FailureDetails {
	return &history.FailureDetails{ErrorType: ActionLimitErrorType, IsNonRetriable: true, ErrorMessage: fmt.Sprintf(
		"the orchestration tried to take more than %d actions (activity calls, timers, sub-orchestrations and entity messages) in one execution; "+
			"raise extensions.durableTask.maxOrchestrationActions in host.json, or split the work with sub-orchestrations or ContinueAsNew", max)}
}

func nondeterminism(msg string) *history.FailureDetails {
	return &history.FailureDetails{ErrorType: NonDeterminismErrorType, ErrorMessage: "Non-Deterministic workflow detected: " + msg, IsNonRetriable: true}
}

func corrupt(format string, args ...any) *history.FailureDetails {
	return &history.FailureDetails{ErrorType: CorruptHistoryErrorType, ErrorMessage: "corrupt history: " + fmt.Sprintf(format, args...), IsNonRetriable: true}
}

func describeEventType(t history.EventType) string {
	switch t {
	case history.TaskScheduled:
		return "an activity task"
	case history.TimerCreated:
		return "a durable timer"
	case history.SubOrchestrationInstanceCreated:
		return "a sub-orchestration"
	case history.EventSent:
		return "an entity message"
	}
	return "an action"
}

func describeTask(t *Task) string {
	switch t.kind {
	case kindActivity:
		return fmt.Sprintf("an activity task named '%s'", t.name)
	case kindTimer:
		return "a durable timer"
	case kindSubOrchestration:
		return fmt.Sprintf("a sub-orchestration named '%s'", t.name)
	case kindEntityCall, kindSignal:
		return fmt.Sprintf("an entity message to '%s'", t.instanceID)
	}
	return "an action"
}

func mismatchMessage(e *history.Event, t *Task) string {
	recorded := describeEventType(e.EventType)
	switch e.EventType {
	case history.TaskScheduled, history.SubOrchestrationInstanceCreated:
		recorded += fmt.Sprintf(" named '%s'", e.Name)
	case history.EventSent:
		recorded += fmt.Sprintf(" to '%s'", e.InstanceID)
	}
	return fmt.Sprintf("A previous execution of this orchestration scheduled %s with sequence number %d, but the current replay execution instead scheduled %s with this sequence number. Was a change made to the orchestrator code after this instance had already started running?",
		recorded, e.EventID, describeTask(t))
}

// ErrorTyper lets an error choose the ErrorType recorded for it.
type ErrorTyper interface{ ErrorType() string }

// failureFromError turns an error returned by orchestrator code into
// failure details, keeping a task failure's details as the inner failure.
func failureFromError(err error) *history.FailureDetails {
	f := &history.FailureDetails{ErrorType: ErrorTypeOf(err), ErrorMessage: err.Error()}
	var tfe *TaskFailedError
	if errors.As(err, &tfe) {
		f.InnerFailure = tfe.Details()
	}
	return f
}

// ErrorTypeOf names an error's type the way failure details record it.
func ErrorTypeOf(err error) string {
	var et ErrorTyper
	if errors.As(err, &et) {
		return et.ErrorType()
	}
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// The package name, not its import path: "errors.errorString",
	// "durable.TaskFailedError" (the public name of this package's types).
	name := t.String()
	if t.PkgPath() == "github.com/godurable/durablefunctions/internal/replay" {
		name = "durable." + t.Name()
	}
	return name
}
