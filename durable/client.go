package durable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Client starts, queries and manages orchestration instances (and, in the
// entities API, signals and reads entities). Get one from Runtime.Client;
// in an Azure Function it arrives through a durableClient binding.
type Client struct {
	be    store.Store
	reg   *Registry
	eng   *engine.Engine
	clock store.Clock
	// version is stamped on instances started without WithVersion.
	version string
}

// StartOption configures StartNew.
type StartOption interface{ applyStart(*startOptions) }

type startOptions struct {
	instanceID string
	startAt    time.Time
	version    string
}

type startOptionFunc func(*startOptions)

func (f startOptionFunc) applyStart(o *startOptions) { f(o) }

// WithStartTime schedules the instance to start at t instead of now.
func WithStartTime(t time.Time) StartOption {
	return startOptionFunc(func(o *startOptions) { o.startAt = t.UTC() })
}

// StartNew starts orchestrator name with input and returns the instance id
// (a new unique id unless WithInstanceID chooses one: 32 hex digits, in
// creation order on stores whose indexes favour it). Starting an id whose
// instance is still active fails with ErrInstanceExists; a finished one is
// replaced.
func (c *Client) StartNew(ctx context.Context, name string, input any, opts ...StartOption) (string, error) {
	var o startOptions
	for _, opt := range opts {
		opt.applyStart(&o)
	}
	if c.reg != nil && !c.reg.HasOrchestrator(name) {
		return "", &UnknownFunctionError{Kind: "orchestrator", Name: name}
	}
	id := o.instanceID
	if id == "" {
		id = engine.NewInstanceID(c.be, c.clock.Now())
	}
	if err := ValidateInstanceID(id); err != nil {
		return "", err
	}
	js, err := encodeResult(input)
	if err != nil {
		return "", fmt.Errorf("durable: input of %q cannot be encoded as JSON: %w", name, err)
	}
	version := o.version
	if version == "" {
		version = c.version
	}
	return id, c.create(ctx, name, id, js, o.startAt, version)
}

func (c *Client) create(ctx context.Context, name, id, input string, startAt time.Time, version string) error {
	now := c.clock.Now()
	var sched *time.Time
	if !startAt.IsZero() {
		sched = &startAt
	}
	start := history.NewExecutionStarted(now, name, id, engine.NewExecutionID(), input, nil, sched)
	start.Version = version
	c.eng.ObserveCreate(ctx, start)
	create := c.be.CreateInstance
	if c.eng != nil {
		create = c.eng.CreateInstance // may run the first episode inline
	}
	err := create(ctx, start, store.CreateOptions{VisibleAt: startAt})
	if errors.Is(err, store.ErrInstanceExists) {
		return fmt.Errorf("%w: %q", ErrInstanceExists, id)
	}
	if err != nil {
		return fmt.Errorf("durable: start instance %q: %w", id, err)
	}
	return nil
}

// StatusOption configures GetStatus.
type StatusOption func(*statusOptions)

type statusOptions struct{ history bool }

// WithHistory includes the instance's history in the status.
func WithHistory() StatusOption { return func(o *statusOptions) { o.history = true } }

// GetStatus returns an instance's status, or an error wrapping
// ErrInstanceNotFound.
func (c *Client) GetStatus(ctx context.Context, instanceID string, opts ...StatusOption) (*Status, error) {
	var o statusOptions
	for _, opt := range opts {
		opt(&o)
	}
	inst, err := c.instance(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	return c.fullStatus(ctx, inst, o.history)
}

func (c *Client) instance(ctx context.Context, id string) (*store.Instance, error) {
	inst, err := c.be.GetInstance(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %q", ErrInstanceNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("durable: instance %q: %w", id, err)
	}
	return inst, nil
}

// Query filters ListInstances; zero values mean "no filter".
type Query struct {
	CreatedFrom       time.Time
	CreatedTo         time.Time
	Statuses          []RuntimeStatus
	InstanceIDPrefix  string
	PageSize          int
	ContinuationToken string
	// WithInput includes inputs (and outputs) in the results.
	WithInput bool
}

// InstancePage is a page of ListInstances results.
type InstancePage struct {
	Instances         []*Status
	ContinuationToken string // "" when this is the last page
}

// ListInstances returns one page of orchestration instances matching q.
func (c *Client) ListInstances(ctx context.Context, q Query) (*InstancePage, error) {
	page, err := c.be.ListInstances(ctx, &store.Query{
		Kind: store.OnlyOrchestrations, CreatedFrom: q.CreatedFrom, CreatedTo: q.CreatedTo,
		Statuses: q.Statuses, InstanceIDPrefix: q.InstanceIDPrefix, PageSize: q.PageSize,
		ContinuationToken: q.ContinuationToken, WithPayloads: q.WithInput,
	})
	if errors.Is(err, store.ErrInvalidQuery) {
		return nil, fmt.Errorf("%w: %v", ErrInvalidQuery, err)
	}
	if err != nil {
		return nil, fmt.Errorf("durable: list instances: %w", err)
	}
	out := &InstancePage{ContinuationToken: page.ContinuationToken}
	for _, inst := range page.Instances {
		out.Instances = append(out.Instances, statusFrom(inst))
	}
	return out, nil
}

// RaiseEvent sends an external event to a running instance.
func (c *Client) RaiseEvent(ctx context.Context, instanceID, eventName string, data any) error {
	if eventName == "" {
		return fmt.Errorf("durable: instance %q: the event name is empty", instanceID)
	}
	js, err := encodeResult(data)
	if err != nil {
		return fmt.Errorf("durable: instance %q: event data cannot be encoded as JSON: %w", instanceID, err)
	}
	return c.send(ctx, instanceID, "raise an event to", activeOnly, history.NewEventRaised(c.clock.Now(), eventName, js))
}

// TerminateOption configures Terminate.
type TerminateOption func(*terminateOptions)

type terminateOptions struct{ recursive bool }

// WithRecursive also terminates the instance's running sub-orchestrations.
func WithRecursive() TerminateOption { return func(o *terminateOptions) { o.recursive = true } }

// Terminate ends a running instance with reason as its output.
func (c *Client) Terminate(ctx context.Context, instanceID string, reason any, opts ...TerminateOption) error {
	var o terminateOptions
	for _, opt := range opts {
		opt(&o)
	}
	js, err := encodeResult(reason)
	if err != nil {
		return fmt.Errorf("durable: instance %q: reason cannot be encoded as JSON: %w", instanceID, err)
	}
	if err := c.send(ctx, instanceID, "terminate", activeOnly, history.NewExecutionTerminated(c.clock.Now(), js)); err != nil {
		return err
	}
	if o.recursive {
		return c.terminateChildren(ctx, instanceID, js)
	}
	return nil
}

func (c *Client) terminateChildren(ctx context.Context, instanceID, reason string) error {
	h, err := c.be.GetHistory(ctx, instanceID)
	if err != nil {
		return nil // nothing recorded yet: no children
	}
	for _, e := range h {
		if e.EventType != history.SubOrchestrationInstanceCreated {
			continue
		}
		err := c.Terminate(ctx, e.InstanceID, json.RawMessage(orNull(reason)), WithRecursive())
		var ise *InvalidStateError
		if err != nil && !errors.As(err, &ise) && !errors.Is(err, ErrInstanceNotFound) {
			return err
		}
	}
	return nil
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// Suspend pauses a running instance: it stops running, and events sent to it
// are kept until Resume.
func (c *Client) Suspend(ctx context.Context, instanceID, reason string) error {
	return c.send(ctx, instanceID, "suspend", func(s RuntimeStatus) bool {
		return s == StatusRunning || s == StatusPending || s == StatusSuspended
	}, history.NewExecutionSuspended(c.clock.Now(), reason))
}

// Resume continues a suspended instance.
func (c *Client) Resume(ctx context.Context, instanceID, reason string) error {
	return c.send(ctx, instanceID, "resume", func(s RuntimeStatus) bool {
		return s == StatusSuspended || s == StatusRunning
	}, history.NewExecutionResumed(c.clock.Now(), reason))
}

// Rewind replays a failed instance from the point of failure: failed
// activities and sub-orchestrations run again, completed ones do not.
func (c *Client) Rewind(ctx context.Context, instanceID, reason string) error {
	return c.send(ctx, instanceID, "rewind", func(s RuntimeStatus) bool { return s == StatusFailed },
		history.NewExecutionRewound(c.clock.Now(), reason))
}

func activeOnly(s RuntimeStatus) bool { return !s.IsTerminal() }

func (c *Client) send(ctx context.Context, instanceID, op string, allowed func(RuntimeStatus) bool, ev *history.Event) error {
	inst, err := c.instance(ctx, instanceID)
	if err != nil {
		return err
	}
	if !allowed(inst.Status) {
		return &InvalidStateError{InstanceID: instanceID, Operation: op, Status: inst.Status}
	}
	m := store.Message{InstanceID: instanceID, Event: ev}
	c.eng.ObserveSend(ctx, &m) // a raised event's span
	if err := c.be.SendMessages(ctx, m); err != nil {
		return fmt.Errorf("durable: instance %q: %s: %w", instanceID, op, err)
	}
	return nil
}

// Restart starts a finished (or running) instance again with its original
// input: under the same id, or under a new one when newInstanceID is true.
// It returns the id of the restarted instance.
func (c *Client) Restart(ctx context.Context, instanceID string, newInstanceID bool) (string, error) {
	inst, err := c.instance(ctx, instanceID)
	if err != nil {
		return "", err
	}
	id := instanceID
	if newInstanceID {
		id = engine.NewInstanceID(c.be, c.clock.Now())
	} else if !inst.Status.IsTerminal() {
		return "", &InvalidStateError{InstanceID: instanceID, Operation: "restart", Status: inst.Status}
	}
	input, version := inst.Input, c.version
	if h, err := c.be.GetHistory(ctx, instanceID); err == nil {
		if st := firstStarted(h); st != nil {
			input, version = st.Input, st.Version // a restart runs the version it ran
		}
	}
	return id, c.create(ctx, inst.Name, id, input, time.Time{}, version)
}

func firstStarted(h []*history.Event) *history.Event {
	for _, e := range h {
		if e.EventType == history.ExecutionStarted {
			return e
		}
	}
	return nil
}

// Purge deletes an instance's state and history. An orchestration that has
// not finished (Pending, Running, Suspended) is refused with an
// *InvalidStateError, since purging it mid-run would drop its in-flight
// work: terminate it first.
func (c *Client) Purge(ctx context.Context, instanceID string) error {
	if !strings.HasPrefix(instanceID, "@") {
		if inst, err := c.be.GetInstance(ctx, instanceID); err == nil && inst.Status.IsActive() {
			return &InvalidStateError{InstanceID: instanceID, Operation: "purge", Status: inst.Status}
		}
	}
	err := c.be.PurgeInstance(ctx, instanceID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %q", ErrInstanceNotFound, instanceID)
	}
	if err != nil {
		return fmt.Errorf("durable: purge instance %q: %w", instanceID, err)
	}
	return nil
}

// PurgeFilter selects finished instances for PurgeBy. Statuses other than
// Completed, Failed, Terminated and Canceled are ignored.
type PurgeFilter struct {
	CreatedFrom time.Time
	CreatedTo   time.Time
	Statuses    []RuntimeStatus
	// FinishedBefore purges only instances that finished before this time.
	FinishedBefore time.Time
}

// PurgeBy deletes every finished instance matching f and returns how many.
func (c *Client) PurgeBy(ctx context.Context, f PurgeFilter) (int, error) {
	n, err := c.be.PurgeInstances(ctx, &store.PurgeFilter{
		Kind: store.OnlyOrchestrations, CreatedFrom: f.CreatedFrom, CreatedTo: f.CreatedTo,
		Statuses: f.Statuses, CompletedTo: f.FinishedBefore,
	})
	if err != nil {
		return n, fmt.Errorf("durable: purge instances: %w", err)
	}
	return n, nil
}

// WaitForCompletion waits until the instance completes, fails, is
// terminated or canceled, or ctx ends, and returns its final status.
func (c *Client) WaitForCompletion(ctx context.Context, instanceID string) (*Status, error) {
	// A commit by this process's engine that finishes the instance wakes
	// the wait at once; polling only has to notice other processes'
	// commits, and every poll is a billed storage read, so it starts
	// slower then.
	poll := time.Millisecond
	if c.eng != nil {
		poll = 50 * time.Millisecond
	}
	for {
		var finished <-chan struct{}
		if c.eng != nil {
			finished = c.eng.Finished(instanceID)
		}
		// Polls read the row alone; the finished status gets its version.
		var st *Status
		inst, err := c.instance(ctx, instanceID)
		if err == nil {
			st = statusFrom(inst)
		}
		if err == nil && st.IsFinished() {
			c.forget(instanceID, finished)
			return c.fullStatus(ctx, inst, false)
		}
		if err != nil && !errors.Is(err, ErrInstanceNotFound) {
			c.forget(instanceID, finished)
			return nil, err
		}
		timer := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			timer.Stop()
			c.forget(instanceID, finished)
			return st, fmt.Errorf("durable: waiting for instance %q: %w", instanceID, ctx.Err())
		case <-finished:
		case <-timer.C:
			c.forget(instanceID, finished)
		}
		timer.Stop()
		// Commits by other processes are only seen by polling; back off.
		poll = min(poll*2, time.Second)
	}
}

func (c *Client) forget(id string, ch <-chan struct{}) {
	if c.eng != nil && ch != nil {
		c.eng.Forget(id, ch)
	}
}
