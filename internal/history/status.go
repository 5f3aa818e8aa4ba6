package history

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// RuntimeStatus is an orchestration instance's status, numbered as in
// Durable Functions (OrchestrationRuntimeStatus) and named the same way in
// JSON and query strings.
type RuntimeStatus int

const (
	StatusUnknown        RuntimeStatus = -1
	StatusRunning        RuntimeStatus = 0
	StatusCompleted      RuntimeStatus = 1
	StatusContinuedAsNew RuntimeStatus = 2
	StatusFailed         RuntimeStatus = 3
	StatusCanceled       RuntimeStatus = 4
	StatusTerminated     RuntimeStatus = 5
	StatusPending        RuntimeStatus = 6
	StatusSuspended      RuntimeStatus = 7
)

var statusNames = map[RuntimeStatus]string{
	StatusUnknown: "Unknown", StatusRunning: "Running", StatusCompleted: "Completed",
	StatusContinuedAsNew: "ContinuedAsNew", StatusFailed: "Failed", StatusCanceled: "Canceled",
	StatusTerminated: "Terminated", StatusPending: "Pending", StatusSuspended: "Suspended",
}

// String returns the Durable Functions name of the status.
func (s RuntimeStatus) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "RuntimeStatus(" + strconv.Itoa(int(s)) + ")"
}

// IsTerminal reports whether an instance in this status has finished and will
// not run again unless it is restarted, rewound or replaced.
func (s RuntimeStatus) IsTerminal() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusTerminated, StatusCanceled:
		return true
	}
	return false
}

// IsActive reports whether an instance in this status still holds its id:
// starting another instance with the same id is refused.
func (s RuntimeStatus) IsActive() bool {
	switch s {
	case StatusRunning, StatusPending, StatusSuspended, StatusContinuedAsNew:
		return true
	}
	return false
}

// ParseRuntimeStatus accepts a status name (case-insensitive) or its number.
func ParseRuntimeStatus(s string) (RuntimeStatus, error) {
	s = strings.TrimSpace(s)
	for k, n := range statusNames {
		if strings.EqualFold(n, s) {
			return k, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil {
		if _, ok := statusNames[RuntimeStatus(n)]; ok {
			return RuntimeStatus(n), nil
		}
	}
	return StatusUnknown, fmt.Errorf("unknown runtime status %q (want one of Running, Completed, ContinuedAsNew, Failed, Canceled, Terminated, Pending, Suspended)", s)
}

// MarshalJSON writes the status name, or the number of a status that has
// none, so that whatever was read can be written and read back.
func (s RuntimeStatus) MarshalJSON() ([]byte, error) {
	if n, ok := statusNames[s]; ok {
		return json.Marshal(n)
	}
	return json.Marshal(int(s))
}

// UnmarshalJSON accepts the name or the number, as the Durable extension's
// Newtonsoft settings do.
func (s *RuntimeStatus) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		st, err := ParseRuntimeStatus(x)
		if err != nil {
			return err
		}
		*s = st
	case float64:
		*s = RuntimeStatus(int(x))
	case nil:
		*s = StatusUnknown
	default:
		return fmt.Errorf("runtime status must be a string or a number, got %s", b)
	}
	return nil
}
