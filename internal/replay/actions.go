package replay

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// done returns a task that is already finished, used when an action cannot
// even be scheduled (bad input) so that the error surfaces at Await.
func (c *Context) doneTask(err error) *Task {
	t := c.newTask(kindDone)
	if err != nil {
		t.state, t.err = stateFailed, err
	} else {
		t.state = stateSucceeded
	}
	t.doneAt = c.lastApplied
	return t
}

// inert is what API calls return while the goroutine unwinds.
func (c *Context) inert() *Task {
	t := c.newTask(kindDone)
	return t // pending forever: awaiting it exits again
}

// CallActivity schedules activity name with input. With a retry policy, a
// failed attempt is retried after a durable timer.
func (c *Context) CallActivity(name string, input any, retry *RetryPolicy) *Task {
	if c.exiting {
		return c.inert()
	}
	if retry != nil {
		return c.withRetry(retry, func() *Task { return c.callActivity(name, input) })
	}
	return c.callActivity(name, input)
}

func (c *Context) callActivity(name string, input any) *Task {
	t := c.newTask(kindActivity)
	t.name = name
	js, err := c.encodeActionInput(input)
	if err != nil {
		return c.doneTask(&InputError{What: fmt.Sprintf("input of activity %q", name), Err: err})
	}
	t.input = js
	c.schedule(t)
	return t
}

// CallSubOrchestrator starts orchestration name as a child and completes
// with its output. An empty instanceID gets a deterministic one derived from
// this execution.
func (c *Context) CallSubOrchestrator(name, instanceID string, input any, retry *RetryPolicy) *Task {
	return c.CallSubOrchestratorVersion(name, instanceID, "", input, retry)
}

// CallSubOrchestratorVersion is CallSubOrchestrator for a child started
// with version ("" for Options.DefaultVersion).
func (c *Context) CallSubOrchestratorVersion(name, instanceID, version string, input any, retry *RetryPolicy) *Task {
	if c.exiting {
		return c.inert()
	}
	if c.critical != nil {
		return c.doneTask(lockViolation("a sub-orchestration cannot be started inside a critical section"))
	}
	if instanceID != "" && (instanceID == c.instanceID || instanceID[0] == '@') {
		return c.doneTask(fmt.Errorf("durable: sub-orchestration instance id %q is not allowed: it must differ from the parent's id and must not start with '@'", instanceID))
	}
	call := func() *Task {
		t := c.newTask(kindSubOrchestration)
		t.name = name
		t.instanceID = instanceID
		t.version = c.subOrchestrationVersion(version)
		if t.instanceID == "" {
			t.instanceID = fmt.Sprintf("%s:%d", c.ExecutionID(), c.seq)
		}
		js, err := c.encodeActionInput(input)
		if err != nil {
			return c.doneTask(&InputError{What: fmt.Sprintf("input of sub-orchestration %q", name), Err: err})
		}
		t.input = js
		c.schedule(t)
		return t
	}
	if retry != nil {
		return c.withRetry(retry, call)
	}
	return call()
}

// CreateTimer creates a durable timer that fires at fireAt. Timers longer
// than the store's maximum delay are chained transparently.
func (c *Context) CreateTimer(fireAt time.Time) *Task {
	if c.exiting {
		return c.inert()
	}
	fireAt = fireAt.UTC()
	if max := c.opts.MaxTimerInterval; max > 0 && fireAt.Sub(c.now) > max {
		lt := c.newTask(kindLongTimer)
		lt.fireAt = fireAt
		c.nextLongTimerLeg(lt)
		return lt
	}
	return c.timer(fireAt)
}

func (c *Context) timer(fireAt time.Time) *Task {
	t := c.newTask(kindTimer)
	t.fireAt = fireAt
	c.schedule(t)
	return t
}

func (c *Context) nextLongTimerLeg(lt *Task) {
	if c.exiting {
		return // the code has finished: take no more actions
	}
	interval := c.opts.LongTimerInterval
	if interval <= 0 || interval > c.opts.MaxTimerInterval {
		interval = c.opts.MaxTimerInterval
	}
	at := c.now.Add(interval)
	if !at.Before(lt.fireAt) {
		at = lt.fireAt
	}
	leg := c.timer(at)
	lt.children = append(lt.children[:0], leg)
	leg.addParent(lt)
	if leg.state != statePending {
		lt.longTimerChildDone(leg)
	}
}

func (lt *Task) longTimerChildDone(leg *Task) {
	if leg.state == stateFailed {
		lt.fail(leg.err, leg.doneAt)
		return
	}
	if !leg.fireAt.Before(lt.fireAt) {
		lt.succeed("", leg.doneAt)
		return
	}
	lt.c.nextLongTimerLeg(lt)
}

// WhenAll completes when every task has completed, or fails as soon as one
// fails, with that task's error. With no tasks it is complete at once.
func (c *Context) WhenAll(tasks []*Task) *Task {
	if c.exiting {
		return c.inert()
	}
	if slices.Contains(tasks, nil) {
		return c.doneTask(errors.New("durable: WhenAll got a nil task"))
	}
	p := c.newTask(kindWhenAll)
	p.children = tasks
	p.doneAt = -1
	var failed *Task
	for _, t := range tasks {
		switch t.state {
		case statePending:
			p.pending++
			t.addParent(p)
		case stateFailed:
			if failed == nil || t.doneAt < failed.doneAt {
				failed = t
			}
		}
	}
	if failed != nil {
		p.state, p.err, p.doneAt = stateFailed, failed.err, failed.doneAt
	} else if p.pending == 0 {
		p.state = stateSucceeded
		p.doneAt = latestDone(tasks)
	}
	return p
}

// WhenAny completes when the first of tasks finishes, successfully or not;
// awaiting it yields that winner and never the winner's error.
func (c *Context) WhenAny(tasks []*Task) *Task {
	if c.exiting {
		return c.inert()
	}
	if len(tasks) == 0 {
		return c.doneTask(errors.New("durable: WhenAny needs at least one task"))
	}
	if slices.Contains(tasks, nil) {
		return c.doneTask(errors.New("durable: WhenAny got a nil task"))
	}
	p := c.newTask(kindWhenAny)
	p.children = tasks
	for _, t := range tasks {
		if t.state != statePending && (p.winner == nil || t.doneAt < p.winner.doneAt) {
			p.winner = t
		}
	}
	if p.winner != nil {
		p.state, p.doneAt = stateSucceeded, p.winner.doneAt
		return p
	}
	for _, t := range tasks {
		t.addParent(p)
	}
	return p
}

func latestDone(tasks []*Task) int {
	at := -1
	for _, t := range tasks {
		at = max(at, t.doneAt)
	}
	return at
}
