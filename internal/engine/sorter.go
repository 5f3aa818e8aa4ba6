package engine

import (
	"slices"
	"time"

	"github.com/godurable/durablefunctions/internal/replay"
)

// Message order for entities. Stores deliver an instance's messages at least
// once and, for Azure Storage, not always in the order they were sent, but an
// entity must run each sender's operations in the order sent. Every message
// an orchestration or entity sends to an entity names its predecessor (the
// previous message from the same sender to the same entity); the entity
// accepts a message only after its predecessor, holding early ones back.
// Messages without a sender (client signals) or forwarded lock requests are
// accepted as they come, as in Durable Functions.

// reorderWindow bounds how long an entity remembers senders and how long it
// holds a message whose predecessor never arrives.
const reorderWindow = 30 * time.Minute

// mark is a message id and when it was seen. For senders, Recent also keeps
// the ids of their last messages, so that a message delivered again (a store
// resends an episode's messages when a worker dies before its checkpoint,
// and an orchestration's replay gives them the same ids) runs only once.
type mark struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	Recent []string  `json:"recent,omitempty"`
}

// recentIDs bounds the ids remembered per sender.
const recentIDs = 64

// heldRequest is a message that arrived before its predecessor.
type heldRequest struct {
	Request *replay.EntityRequest `json:"request"`
	Since   time.Time             `json:"since"`
}

// accept queues req in its sender's order, then any held successors.
func (r *entityRun) accept(req *replay.EntityRequest) {
	sender := req.ParentInstance
	tracked := sender != "" && req.Position == 0 // forwarded lock requests are not the sender's
	if tracked && (slices.Contains(r.state.Delivered[sender].Recent, req.ID) || r.isHeld(req.ID)) {
		return // a duplicate delivery
	}
	if tracked && req.ScheduledTime.IsZero() && req.Predecessor != "" && r.mustWait(req) {
		r.state.Held = append(r.state.Held, heldRequest{Request: req, Since: r.now})
		return
	}
	for req != nil {
		r.enqueue(req, tracked)
		req = r.takeHeld(sender, req.ID)
	}
}

// mustWait reports whether req's predecessor has not been accepted yet. For
// a sender the entity has no record of (never heard from, or forgotten
// after the reorder window), it waits only for a recent predecessor.
func (r *entityRun) mustWait(req *replay.EntityRequest) bool {
	last, known := r.state.Delivered[req.ParentInstance]
	if known {
		return last.ID != req.Predecessor
	}
	return r.now.Sub(req.PredecessorTime) < reorderWindow
}

func (r *entityRun) enqueue(req *replay.EntityRequest, tracked bool) {
	if tracked {
		if r.state.Delivered == nil {
			r.state.Delivered = map[string]mark{}
		}
		m := r.state.Delivered[req.ParentInstance]
		if req.ScheduledTime.IsZero() { // scheduled messages are outside the order
			m.ID = req.ID
		}
		m.At = r.now
		if m.Recent = append(m.Recent, req.ID); len(m.Recent) > recentIDs {
			m.Recent = m.Recent[len(m.Recent)-recentIDs:]
		}
		r.state.Delivered[req.ParentInstance] = m
	}
	r.state.Queue = append(r.state.Queue, req)
}

func (r *entityRun) isHeld(id string) bool {
	for _, h := range r.state.Held {
		if h.Request.ID == id {
			return true
		}
	}
	return false
}

// takeHeld removes and returns the held message of sender that follows id.
func (r *entityRun) takeHeld(sender, id string) *replay.EntityRequest {
	for i, h := range r.state.Held {
		if h.Request.ParentInstance == sender && h.Request.Predecessor == id {
			r.state.Held = append(r.state.Held[:i:i], r.state.Held[i+1:]...)
			return h.Request
		}
	}
	return nil
}

// expire forgets senders not heard from within the reorder window and
// accepts messages held longer than that: their predecessor is lost.
func (r *entityRun) expire() {
	cutoff := r.now.Add(-reorderWindow)
	for s, m := range r.state.Delivered {
		if m.At.Before(cutoff) {
			delete(r.state.Delivered, s)
		}
	}
	for s, m := range r.state.LastSent {
		if m.At.Before(cutoff) {
			delete(r.state.LastSent, s)
		}
	}
	kept := r.state.Held[:0]
	var late []*replay.EntityRequest
	for _, h := range r.state.Held {
		if h.Since.Before(cutoff) {
			late = append(late, h.Request)
			continue
		}
		kept = append(kept, h)
	}
	r.state.Held = kept
	for _, req := range late {
		r.e.log.Warn("durable: an entity message waited too long for the message sent before it; running it anyway",
			"entity", r.id, "from", req.ParentInstance, "operation", req.Operation)
		r.enqueue(req, req.ParentInstance != "" && req.Position == 0)
	}
}

// predecessorFor returns the last signal this entity sent to target (and
// when), and records id as the new last one.
func (r *entityRun) predecessorFor(target, id string) (string, time.Time) {
	if r.state.LastSent == nil {
		r.state.LastSent = map[string]mark{}
	}
	prev := r.state.LastSent[target]
	r.state.LastSent[target] = mark{ID: id, At: r.now}
	return prev.ID, prev.At
}
