package storekit

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// ErrInvalidRequest is wrapped by the validation errors of this package: a
// request the store refuses before touching any state.
var ErrInvalidRequest = errors.New("invalid request")

// StartIDs checks that start is an ExecutionStarted event naming an
// instance and an execution, and returns them.
func StartIDs(start *history.Event) (instanceID, executionID string, err error) {
	if start == nil {
		return "", "", fmt.Errorf("%w: nil ExecutionStarted event", ErrInvalidRequest)
	}
	if start.EventType != history.ExecutionStarted {
		return "", "", fmt.Errorf("%w: start event is %v, want ExecutionStarted", ErrInvalidRequest, start.EventType)
	}
	oi := start.OrchestrationInstance
	if oi == nil || oi.InstanceID == "" {
		return "", "", fmt.Errorf("%w: ExecutionStarted event names no instance", ErrInvalidRequest)
	}
	if oi.ExecutionID == "" {
		return "", "", fmt.Errorf("%w: instance %q: ExecutionStarted event names no execution", ErrInvalidRequest, oi.InstanceID)
	}
	return oi.InstanceID, oi.ExecutionID, nil
}

// NewInstanceRow returns the Pending row CreateInstance writes for start.
// It expects a start event StartIDs accepted.
func NewInstanceRow(start *history.Event, opts store.CreateOptions, now time.Time) *store.Instance {
	oi := start.OrchestrationInstance
	inst := &store.Instance{
		InstanceID:    oi.InstanceID,
		ExecutionID:   oi.ExecutionID,
		Name:          start.Name,
		Status:        history.StatusPending,
		Input:         start.Input,
		CreatedAt:     now,
		LastUpdatedAt: now,
	}
	switch {
	case !opts.VisibleAt.IsZero():
		inst.ScheduledStart = opts.VisibleAt.UTC()
	case start.ScheduledStartTime != nil:
		inst.ScheduledStart = start.ScheduledStartTime.UTC()
	}
	if p := start.ParentInstance; p != nil && p.OrchestrationInstance != nil {
		inst.ParentInstance = p.OrchestrationInstance.InstanceID
		inst.ParentExecution = p.OrchestrationInstance.ExecutionID
	}
	return inst
}

// Refuses reports whether an existing instance in status blocks a
// CreateInstance with these options.
func Refuses(opts store.CreateOptions, status history.RuntimeStatus) bool {
	statuses := opts.DedupeStatuses
	if statuses == nil {
		statuses = store.DefaultDedupeStatuses
	}
	return slices.Contains(statuses, status)
}

// ExistsError is the error CreateInstance returns when Refuses says so.
func ExistsError(instanceID string, status history.RuntimeStatus) error {
	return fmt.Errorf("create instance %q (status %v): %w", instanceID, status, store.ErrInstanceExists)
}

// ValidateMessages checks that every message names an instance and carries
// an event.
func ValidateMessages(msgs []store.Message) error {
	for i := range msgs {
		if err := ValidateMessage(&msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// ValidateMessage checks that m names an instance and carries an event.
func ValidateMessage(m *store.Message) error {
	if m.InstanceID == "" {
		return fmt.Errorf("%w: message without an instance id", ErrInvalidRequest)
	}
	if m.Event == nil {
		return fmt.Errorf("%w: message for instance %q has no event", ErrInvalidRequest, m.InstanceID)
	}
	return nil
}

// ValidateCommit checks a commit for instanceID before a store applies it.
func ValidateCommit(instanceID string, c *store.OrchestrationCommit) error {
	if c == nil {
		return fmt.Errorf("%w: instance %q: nil commit", ErrInvalidRequest, instanceID)
	}
	if c.Instance != nil && c.Instance.InstanceID != "" && c.Instance.InstanceID != instanceID {
		return fmt.Errorf("%w: instance %q: commit writes the row of instance %q", ErrInvalidRequest, instanceID, c.Instance.InstanceID)
	}
	for i, e := range c.NewHistory {
		if e == nil {
			return fmt.Errorf("%w: instance %q: history event %d is nil", ErrInvalidRequest, instanceID, i)
		}
	}
	for i, e := range c.Activities {
		if e == nil {
			return fmt.Errorf("%w: instance %q: activity %d is nil", ErrInvalidRequest, instanceID, i)
		}
	}
	if err := ValidateMessages(c.Messages); err != nil {
		return fmt.Errorf("instance %q: %w", instanceID, err)
	}
	return nil
}

// CommitRow returns the row a commit writes for instanceID: a copy of
// c.Instance with the id filled in, CreatedAt kept from the previous row
// when the commit leaves it zero, and LastUpdatedAt defaulting to now.
func CommitRow(instanceID string, c *store.OrchestrationCommit, prev *store.Instance, now time.Time) *store.Instance {
	row := *c.Instance
	row.InstanceID = instanceID
	if row.CreatedAt.IsZero() {
		if prev != nil {
			row.CreatedAt = prev.CreatedAt
		} else {
			row.CreatedAt = now
		}
	}
	if row.LastUpdatedAt.IsZero() {
		row.LastUpdatedAt = now
	}
	if row.Status.IsTerminal() && row.CompletedAt.IsZero() {
		row.CompletedAt = row.LastUpdatedAt
	}
	return &row
}

// ActivityExecution returns the execution id activities scheduled by a
// commit belong to: the committed row's, else the locked row's.
func ActivityExecution(wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) string {
	if c.Instance != nil {
		return c.Instance.ExecutionID
	}
	if wi.Instance != nil {
		return wi.Instance.ExecutionID
	}
	return ""
}

// Visible returns when a message or activity queued at now with the
// requested visibleAt becomes visible (never before now).
func Visible(visibleAt, now time.Time) time.Time {
	if visibleAt.IsZero() || visibleAt.Before(now) {
		return now
	}
	return visibleAt.UTC()
}

// RetryAt returns when an abandoned item becomes visible again.
func RetryAt(now time.Time, retryAfter time.Duration) time.Time {
	if retryAfter < 0 {
		retryAfter = 0
	}
	return now.Add(retryAfter)
}
