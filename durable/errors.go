package durable

import (
	"errors"
	"fmt"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
)

// TaskFailedError is returned by Await when an activity, sub-orchestration or
// entity operation failed. Use errors.As to inspect it:
//
//	var failed *durable.TaskFailedError
//	if errors.As(err, &failed) { log.Print(failed.Name, failed.Message) }
type TaskFailedError = replay.TaskFailedError

// TimeoutError is returned by Await when WaitForExternalEvent's timeout fired
// before the event arrived.
type TimeoutError = replay.TimeoutError

// LockingRulesViolationError is returned when code inside a critical section
// breaks its rules (see LockEntities).
type LockingRulesViolationError = replay.LockingRulesViolationError

// FailureDetails describes a failure as history and status queries record it.
type FailureDetails = history.FailureDetails

// ErrCanceled is returned by Await on a canceled timer.
var ErrCanceled = replay.ErrCanceled

// ErrDuplicateFunction is returned by the Registry's Add methods for a name
// already registered for that kind of function (names are case-insensitive).
var ErrDuplicateFunction = errors.New("durable: function already registered")

// ErrInvalidName is returned by the Registry's Add methods for a name
// function.json could not declare.
var ErrInvalidName = errors.New("durable: invalid function name")

// The client errors below are wrapped with the instance id by the Client's
// methods: test them with errors.Is. An HTTP starter maps
// ErrInstanceExists to 409 Conflict and ErrInstanceNotFound to 404.

// ErrInstanceNotFound is returned when no instance has the id.
var ErrInstanceNotFound = errors.New("durable: instance not found")

// ErrInstanceExists is returned by StartNew with the id of an instance that
// is still Pending, Running or Suspended.
var ErrInstanceExists = errors.New("durable: an active instance with this id already exists")

// ErrInvalidQuery is returned for a continuation token the store did not
// issue, or a filter it cannot apply (ListInstances, ListEntities).
var ErrInvalidQuery = errors.New("durable: invalid query")

// ErrInvalidEntityID is returned for an entity name or key that cannot be
// used (see EntityID.Validate).
var ErrInvalidEntityID = errors.New("durable: invalid entity id")

// ErrInvalidInstanceID is returned for an id that is empty, longer than 256
// characters, starts with '@', or contains '/', '\', '#', '?' or control
// characters.
var ErrInvalidInstanceID = errors.New("durable: invalid instance id")

// InvalidStateError is returned when an operation does not apply to the
// instance's current status (raising an event to a completed instance,
// rewinding one that did not fail, resuming one that is not suspended).
type InvalidStateError struct {
	InstanceID string
	Operation  string
	Status     RuntimeStatus
}

func (e *InvalidStateError) Error() string {
	return fmt.Sprintf("durable: instance %q: cannot %s an instance that is %s", e.InstanceID, e.Operation, e.Status)
}

// UnknownFunctionError is returned when a client names an orchestrator (or
// entity) that is not registered.
type UnknownFunctionError struct {
	Kind string // "orchestrator" or "entity"
	Name string
}

func (e *UnknownFunctionError) Error() string {
	return fmt.Sprintf("durable: the %s function '%s' doesn't exist", e.Kind, e.Name)
}
