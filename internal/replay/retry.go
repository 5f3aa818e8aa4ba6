package replay

import (
	"fmt"
	"math"
	"time"
)

// RetryPolicy retries a failed activity or sub-orchestration after durable
// timers. Each attempt and each wait is recorded in history.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, including the first.
	MaxAttempts int
	// FirstRetryInterval is the wait before the second attempt; must be > 0.
	FirstRetryInterval time.Duration
	// BackoffCoefficient multiplies the wait after each failure (default 1).
	BackoffCoefficient float64
	// MaxRetryInterval caps the wait (0: no cap).
	MaxRetryInterval time.Duration
	// RetryTimeout stops retrying once this long has passed since the first
	// attempt (0: no limit).
	RetryTimeout time.Duration
	// Handle decides whether an error is worth retrying (nil: every error).
	Handle func(error) bool
}

// Validate reports a policy that cannot work.
func (p *RetryPolicy) Validate() error {
	switch {
	case p.MaxAttempts < 1:
		return fmt.Errorf("durable: retry policy: MaxAttempts must be at least 1, got %d", p.MaxAttempts)
	case p.FirstRetryInterval <= 0:
		return fmt.Errorf("durable: retry policy: FirstRetryInterval must be positive, got %v", p.FirstRetryInterval)
	case p.BackoffCoefficient < 0 || math.IsNaN(p.BackoffCoefficient) || math.IsInf(p.BackoffCoefficient, 0):
		return fmt.Errorf("durable: retry policy: BackoffCoefficient must be a positive number, got %v", p.BackoffCoefficient)
	case p.MaxRetryInterval < 0 || p.RetryTimeout < 0:
		return fmt.Errorf("durable: retry policy: MaxRetryInterval and RetryTimeout must not be negative")
	}
	return nil
}

// Delay returns the wait after the given failed attempt (1-based).
func (p *RetryPolicy) Delay(attempt int) time.Duration {
	coef := p.BackoffCoefficient
	if coef == 0 {
		coef = 1
	}
	d := float64(p.FirstRetryInterval) * math.Pow(coef, float64(attempt-1))
	if p.MaxRetryInterval > 0 && d > float64(p.MaxRetryInterval) {
		return p.MaxRetryInterval
	}
	if d > float64(math.MaxInt64/2) {
		return time.Duration(math.MaxInt64 / 2)
	}
	return time.Duration(d)
}

type retryState struct {
	policy  *RetryPolicy
	call    func() *Task
	attempt int
	first   time.Time
	current *Task
}

func (c *Context) withRetry(policy *RetryPolicy, call func() *Task) *Task {
	if err := policy.Validate(); err != nil {
		return c.doneTask(err)
	}
	p := c.newTask(kindRetry)
	p.retry = &retryState{policy: policy, call: call, first: c.now}
	c.nextAttempt(p)
	return p
}

func (c *Context) nextAttempt(p *Task) {
	if c.exiting {
		return // the code has finished: take no more actions
	}
	r := p.retry
	r.attempt++
	t := r.call()
	r.current = t
	p.name, p.instanceID = t.name, t.instanceID
	if t.state != statePending {
		p.retryChildDone(t)
		return
	}
	t.addParent(p)
}

func (p *Task) retryChildDone(child *Task) {
	r, c := p.retry, p.c
	if child != r.current {
		return
	}
	if child.kind == kindTimer || child.kind == kindLongTimer {
		c.nextAttempt(p)
		return
	}
	if child.state == stateSucceeded {
		p.succeed(child.result, child.doneAt)
		return
	}
	pol := r.policy
	if r.attempt >= pol.MaxAttempts ||
		(pol.Handle != nil && !pol.Handle(child.err)) ||
		(pol.RetryTimeout > 0 && c.now.Sub(r.first) >= pol.RetryTimeout) {
		p.fail(child.err, child.doneAt)
		return
	}
	timer := c.CreateTimer(c.now.Add(pol.Delay(r.attempt)))
	r.current = timer
	if timer.state != statePending {
		p.retryChildDone(timer)
		return
	}
	timer.addParent(p)
}
