package durable

import (
	"time"

	"github.com/godurable/durablefunctions/internal/replay"
)

// RetryPolicy retries a failed activity or sub-orchestration after durable
// timers: the wait before attempt n+1 is FirstRetryInterval ×
// BackoffCoefficient^(n-1), capped at MaxRetryInterval.
type RetryPolicy struct {
	MaxAttempts        int           // total attempts, including the first (≥ 1)
	FirstRetryInterval time.Duration // wait before the second attempt (> 0)
	BackoffCoefficient float64       // default 1
	MaxRetryInterval   time.Duration // 0: no cap
	RetryTimeout       time.Duration // stop retrying this long after the first attempt; 0: never
	Handle             func(error) bool
}

// CallOption configures CallActivity and CallSubOrchestrator.
type CallOption interface{ applyCall(*callOptions) }

type callOptions struct {
	retry      *replay.RetryPolicy
	instanceID string
	version    string
}

type callOptionFunc func(*callOptions)

func (f callOptionFunc) applyCall(o *callOptions) { f(o) }

// WithRetry retries the call according to policy.
func WithRetry(policy RetryPolicy) CallOption {
	return callOptionFunc(func(o *callOptions) {
		p := replay.RetryPolicy(policy)
		o.retry = &p
	})
}

// InstanceIDOption chooses an instance id: for a sub-orchestration
// (CallSubOrchestrator) or a new instance (Client.StartNew).
type InstanceIDOption string

// WithInstanceID sets the instance id of a sub-orchestration or of an
// instance a client starts. CallActivity ignores it.
func WithInstanceID(id string) InstanceIDOption { return InstanceIDOption(id) }

func (id InstanceIDOption) applyCall(o *callOptions)   { o.instanceID = string(id) }
func (id InstanceIDOption) applyStart(o *startOptions) { o.instanceID = string(id) }

func applyCallOptions(opts []CallOption) callOptions {
	var o callOptions
	for _, opt := range opts {
		opt.applyCall(&o)
	}
	return o
}

// EventOption configures WaitForExternalEvent.
type EventOption func(*eventOptions)

type eventOptions struct{ timeout time.Duration }

// WithTimeout makes the wait fail with a *TimeoutError after d.
func WithTimeout(d time.Duration) EventOption {
	return func(o *eventOptions) { o.timeout = d }
}

// ContinueAsNewOption configures ContinueAsNew.
type ContinueAsNewOption func(*continueAsNewOptions)

type continueAsNewOptions struct{ keepEvents bool }

// WithKeepUnprocessedEvents delivers external events that arrived but were not
// consumed to the new execution.
func WithKeepUnprocessedEvents() ContinueAsNewOption {
	return func(o *continueAsNewOptions) { o.keepEvents = true }
}

// SignalOption configures SignalEntity.
type SignalOption func(*signalOptions)

type signalOptions struct{ at time.Time }

// WithScheduledTime delivers the signal at t instead of now.
func WithScheduledTime(t time.Time) SignalOption {
	return func(o *signalOptions) { o.at = t }
}
