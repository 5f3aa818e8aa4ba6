package replay

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// WaitForExternalEvent waits for the next event raised with name (compared
// case-insensitively). Events that arrived before the code waited are
// buffered per name and delivered first-in, first-out; waiters are served in
// the order they started waiting. A positive timeout fails the wait with a
// *TimeoutError after that long (a durable timer).
func (c *Context) WaitForExternalEvent(name string, timeout time.Duration) *Task {
	if c.exiting {
		return c.inert()
	}
	w := c.waitFor(strings.ToLower(name), kindExternalEvent)
	w.name = name
	if timeout <= 0 || w.state != statePending {
		return w
	}
	p := c.newTask(kindEventWithTimeout)
	p.name = name
	timer := c.CreateTimer(c.now.Add(timeout))
	p.children = []*Task{w, timer}
	w.addParent(p)
	timer.addParent(p)
	return p
}

// waitFor registers a waiter for key, or completes it at once from the
// buffer.
func (c *Context) waitFor(key string, kind taskKind) *Task {
	t := c.newTask(kind)
	t.name = key
	c.listen(t, key)
	return t
}

// listen completes t with the first event buffered under key, or makes t
// the next waiter for key. Entity responses go through here too: a response
// can be in history before the call that asked for it (a store delivered it
// while the worker that sent the call was still checkpointing).
func (c *Context) listen(t *Task, key string) {
	if q := c.buffered[key]; len(q) > 0 {
		b := q[0]
		if len(q) == 1 {
			delete(c.buffered, key)
		} else {
			c.buffered[key] = q[1:]
		}
		t.doneAt = c.lastApplied
		c.completeWaiter(t, b.event.Input, c.lastApplied)
		return
	}
	if c.waiters == nil {
		c.waiters = make(map[string][]*Task)
	}
	c.waiters[key] = append(c.waiters[key], t)
}

// deliver hands an EventRaised to its first waiter, or buffers it.
func (c *Context) deliver(e *history.Event, at int) {
	key := strings.ToLower(e.Name)
	if q := c.waiters[key]; len(q) > 0 {
		t := q[0]
		if len(q) == 1 {
			delete(c.waiters, key)
		} else {
			c.waiters[key] = q[1:]
		}
		c.completeWaiter(t, e.Input, at)
		return
	}
	if c.buffered == nil {
		c.buffered = make(map[string][]bufferedEvent)
	}
	c.bufSeq++
	c.buffered[key] = append(c.buffered[key], bufferedEvent{order: c.bufSeq, event: e})
}

// completeWaiter completes an external-event waiter with the event's data, or
// an entity call with the entity's response message.
func (c *Context) completeWaiter(t *Task, input string, at int) {
	if t.kind != kindEntityCall {
		t.succeed(input, at)
		return
	}
	var resp EntityResponse
	if err := json.Unmarshal([]byte(input), &resp); err != nil {
		t.fail(&InputError{What: "entity response", Err: err}, at)
		return
	}
	if resp.ExceptionType != "" || resp.ErrorMessage != "" {
		msg := resp.ErrorMessage
		if msg == "" {
			msg = resp.Result
		}
		t.fail(&TaskFailedError{Kind: kindNames[kindEntityCall], Name: t.name, TaskID: t.id,
			ErrorType: resp.ExceptionType, Message: msg, StackTrace: resp.StackTrace}, at)
		return
	}
	t.succeed(resp.Result, at)
}

// removeWaiter withdraws a waiter that gave up (timed out), so that the next
// event with its name is buffered instead of lost.
func (c *Context) removeWaiter(t *Task) {
	key := strings.ToLower(t.name) // t.name is the name as the code spelled it
	q := c.waiters[key]
	for i, w := range q {
		if w == t {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(c.waiters, key)
	} else {
		c.waiters[key] = q
	}
}

func (p *Task) eventTimeoutChildDone(child *Task) {
	wait, timer := p.children[0], p.children[1]
	if child == wait {
		timer.Cancel()
		if wait.state == stateFailed {
			p.fail(wait.err, wait.doneAt)
			return
		}
		p.succeed(wait.result, wait.doneAt)
		return
	}
	if child.state == stateSucceeded { // the timer fired first
		p.c.removeWaiter(wait)
		p.fail(&TimeoutError{EventName: p.name}, child.doneAt)
	}
}
