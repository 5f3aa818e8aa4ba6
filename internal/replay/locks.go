package replay

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// LockingRulesViolationError is returned when orchestration code breaks the
// rules of critical sections: no nested locks, no sub-orchestrations inside,
// calls only to locked entities and one at a time per entity, signals only
// to entities that are not locked.
type LockingRulesViolationError struct{ Message string }

func (e *LockingRulesViolationError) Error() string {
	return "durable: LockingRulesViolation: " + e.Message
}

// ErrorType names the error in failure details.
func (e *LockingRulesViolationError) ErrorType() string { return "LockingRulesViolation" }

func lockViolation(msg string) error { return &LockingRulesViolationError{Message: msg} }

// LockGrantedResult is the result text of a granted lock request.
const LockGrantedResult = `"Lock Acquisition Completed"`

// EntityReleaseEvent names the EventSent that releases a lock.
const EntityReleaseEvent = "release"

// EntityRelease is the input of a release message (an EventSent named
// EntityReleaseEvent).
type EntityRelease struct {
	ParentInstance string `json:"parent"`
	LockRequestID  string `json:"id"`
	// MessageID and Predecessor order the release among the sender's other
	// messages to the entity.
	MessageID       string    `json:"msgId,omitempty"`
	Predecessor     string    `json:"pred,omitempty"`
	PredecessorTime time.Time `json:"predAt,omitzero"`
}

type criticalSection struct {
	requestID string
	entities  []string        // sorted scheduler ids as sent
	locked    map[string]bool // lower-cased ids
	calling   map[string]*Task
}

func (cs *criticalSection) holds(entityID string) bool { return cs.locked[entityKey(entityID)] }

func (cs *criticalSection) checkCall(entityID string) error {
	key := entityKey(entityID)
	if !cs.locked[key] {
		return lockViolation(fmt.Sprintf("entity '%s' is not locked by this critical section: only locked entities can be called", entityID))
	}
	if t := cs.calling[key]; t != nil && t.state == statePending {
		return lockViolation(fmt.Sprintf("entity '%s' already has a call in progress: calls to a locked entity must not overlap", entityID))
	}
	return nil
}

// SortEntityIDs orders and de-duplicates scheduler ids the way every
// orchestration acquires locks, by name then key, so that no two
// orchestrations wait for each other.
func SortEntityIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Slice(out, func(i, j int) bool {
		ni, ki := splitEntityID(out[i])
		nj, kj := splitEntityID(out[j])
		if ni != nj {
			return ni < nj
		}
		return ki < kj
	})
	dedup := out[:0]
	for i, id := range out {
		if i == 0 || entityKey(id) != entityKey(out[i-1]) {
			dedup = append(dedup, id)
		}
	}
	return dedup
}

// entityKey is how an entity id is compared: the name ignores case, the
// key does not (EntityID.String lower-cases only the name).
func entityKey(id string) string {
	name, key := splitEntityID(id)
	return "@" + name + "@" + key
}

func splitEntityID(id string) (string, string) {
	name, key, _ := history.SplitEntityID(id)
	return strings.ToLower(name), key
}

// LockEntities acquires the locks of entityIDs ("@name@key") in a global
// order and returns the task that completes once all are held.
func (c *Context) LockEntities(entityIDs []string) (*Task, error) {
	if c.exiting {
		return c.inert(), nil
	}
	if c.critical != nil {
		return nil, lockViolation("LockEntities cannot be nested: release the held locks first")
	}
	if len(entityIDs) == 0 {
		return nil, lockViolation("LockEntities needs at least one entity")
	}
	ids := SortEntityIDs(entityIDs)
	for _, id := range ids {
		if !strings.HasPrefix(id, "@") || strings.Count(id, "@") < 2 {
			return nil, fmt.Errorf("durable: %q is not an entity id (want @name@key)", id)
		}
	}
	t := c.newTask(kindEntityCall)
	t.name, t.instanceID = "lock", ids[0]
	requestID := c.messageID()
	if c.isNew() {
		req := EntityRequest{ID: requestID, ParentInstance: c.instanceID, ParentExecution: c.ExecutionID(), LockSet: ids}
		req.Predecessor, req.PredecessorTime = c.lastSentTo(ids[0])
		b, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		t.input = string(b)
	}
	c.schedule(t)
	c.sentTo(ids[0], requestID)
	c.listen(t, strings.ToLower(requestID))
	cs := &criticalSection{requestID: requestID, entities: ids, locked: make(map[string]bool), calling: make(map[string]*Task)}
	for _, id := range ids {
		cs.locked[entityKey(id)] = true
	}
	c.critical = cs
	return t, nil
}

// ReleaseLocks ends the critical section, sending a release to every locked
// entity. It does nothing outside a critical section.
func (c *Context) ReleaseLocks() {
	cs := c.critical
	if cs == nil || c.exiting {
		return
	}
	c.critical = nil
	for _, id := range cs.entities {
		msgID := c.messageID()
		t := c.newTask(kindSignal)
		t.name, t.instanceID, t.eventName = EntityReleaseEvent, id, EntityReleaseEvent
		if c.isNew() {
			rel := EntityRelease{ParentInstance: c.instanceID, LockRequestID: cs.requestID, MessageID: msgID}
			rel.Predecessor, rel.PredecessorTime = c.lastSentTo(id)
			body, _ := json.Marshal(rel)
			t.input = string(body)
		}
		c.schedule(t)
		c.sentTo(id, msgID)
		t.state = stateSucceeded
	}
}

// InCriticalSection reports whether the orchestration holds entity locks.
func (c *Context) InCriticalSection() bool { return c.critical != nil }
