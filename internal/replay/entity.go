package replay

import (
	"fmt"
	"strings"
	"time"
)

// EntityRequest is the message an orchestration (or client, or entity) sends
// to an entity: an EventSent named "op" whose input is this JSON, in the
// field names the Durable extension uses.
type EntityRequest struct {
	ID              string    `json:"id"`
	Operation       string    `json:"op"`
	IsSignal        bool      `json:"signal,omitempty"`
	Input           string    `json:"input,omitempty"`
	ParentInstance  string    `json:"parent,omitempty"`
	ParentExecution string    `json:"parentExecution,omitempty"`
	ScheduledTime   time.Time `json:"due,omitzero"`
	LockSet         []string  `json:"lockset,omitempty"`
	Position        int       `json:"pos,omitempty"`
	// Predecessor is the id of the message the same sender sent to the same
	// entity before this one: the entity runs a sender's messages in the
	// order sent even when a store delivers them out of order.
	Predecessor string `json:"pred,omitempty"`
	// PredecessorTime is when the predecessor was sent: a receiver that no
	// longer remembers the sender waits for the predecessor only if it is
	// recent.
	PredecessorTime time.Time `json:"predAt,omitzero"`
	// ReleaseOf marks a lock release: the id of the lock request it ends.
	ReleaseOf string `json:"releaseOf,omitempty"`
}

// EntityResponse is the reply to a two-way entity call, delivered to the
// caller as an EventRaised named after the request id.
type EntityResponse struct {
	Result        string `json:"result,omitempty"`
	ExceptionType string `json:"exceptionType,omitempty"`
	ErrorMessage  string `json:"errorMessage,omitempty"`
	StackTrace    string `json:"stackTrace,omitempty"`
}

// EntityOperationEvent is the name of the EventSent that carries an
// EntityRequest.
const EntityOperationEvent = "op"

// CallEntity calls operation op on the entity with scheduler id entityID
// ("@name@key") and completes with the operation's result.
func (c *Context) CallEntity(entityID, op string, input any) *Task {
	if cs := c.critical; cs != nil && !c.exiting {
		if err := cs.checkCall(entityID); err != nil {
			return c.doneTask(err)
		}
		t := c.sendEntity(kindEntityCall, entityID, op, input, time.Time{})
		cs.calling[entityKey(entityID)] = t
		return t
	}
	return c.sendEntity(kindEntityCall, entityID, op, input, time.Time{})
}

// SignalEntity sends a one-way operation to an entity; it is delivered at
// scheduledTime when that is set.
func (c *Context) SignalEntity(entityID, op string, input any, scheduledTime time.Time) error {
	if cs := c.critical; cs != nil && !c.exiting && cs.holds(entityID) {
		return lockViolation(fmt.Sprintf("entity '%s' is locked by this orchestration: call it instead of signaling it", entityID))
	}
	t := c.sendEntity(kindSignal, entityID, op, input, scheduledTime)
	if t.state == stateFailed {
		return t.err
	}
	return nil
}

func (c *Context) sendEntity(kind taskKind, entityID, op string, input any, due time.Time) *Task {
	if c.exiting {
		return c.inert()
	}
	if !strings.HasPrefix(entityID, "@") || strings.Count(entityID, "@") < 2 {
		return c.doneTask(fmt.Errorf("durable: %q is not an entity id (want @name@key)", entityID))
	}
	t := c.newTask(kind)
	t.name, t.instanceID = op, entityID
	requestID := c.messageID()
	js, err := c.encodeActionInput(input)
	if err != nil {
		return c.doneTask(&InputError{What: fmt.Sprintf("input of entity operation %q", op), Err: err})
	}
	if c.isNew() {
		req := EntityRequest{ID: requestID, Operation: op, IsSignal: kind == kindSignal, Input: js,
			ParentInstance: c.instanceID, ParentExecution: c.ExecutionID(), ScheduledTime: due.UTC()}
		if due.IsZero() {
			// Scheduled signals arrive late by design: they are not
			// ordered after (or before) the sender's other messages.
			req.Predecessor, req.PredecessorTime = c.lastSentTo(entityID)
		}
		b, err := marshalJSON(req)
		if err != nil {
			return c.doneTask(err)
		}
		t.input = b
	}
	c.schedule(t)
	if due.IsZero() {
		c.sentTo(entityID, requestID)
	}
	if kind == kindSignal {
		t.state = stateSucceeded
		return t
	}
	key := strings.ToLower(requestID)
	c.listen(t, key)
	return t
}

type sentMark struct {
	id string
	at time.Time
}

// lastSentTo returns the id of the last message this execution sent to the
// entity and when it was sent ("" for none).
func (c *Context) lastSentTo(entityID string) (string, time.Time) {
	m := c.lastSent[entityKey(entityID)]
	return m.id, m.at
}

// sentTo records the last message sent to an entity; it runs on every
// replay, for replayed and new messages alike, so predecessors stay stable.
func (c *Context) sentTo(entityID, requestID string) {
	if c.lastSent == nil {
		c.lastSent = make(map[string]sentMark)
	}
	c.lastSent[entityKey(entityID)] = sentMark{id: requestID, at: c.now}
}
