package engine

import (
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

// mark is a message id and when it was seen.
type mark struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// heldRequest is a message that arrived before its predecessor.
type heldRequest struct {
	Request *replay.EntityRequest `json:"request"`
	Since   time.Time             `json:"since"`
}

// accept queues req in its sender's order, then any held successors.
func (r *entityRun) accept(req *replay.EntityRequest) {
	sender := req.ParentInstance
	if sender == "" || req.Position > 0 || !req.ScheduledTime.IsZero() || req.Predecessor == "" && r.state.Delivered[sender].ID == "" {
		r.enqueue(req)
		return
	}
	last := r.state.Delivered[sender]
	switch {
	case last.ID == req.ID:
		return // a duplicate delivery
	case req.Predecessor != "" && req.Predecessor != last.ID:
		r.state.Held = append(r.state.Held, heldRequest{Request: req, Since: r.now})
		return
	}
	for req != nil {
		r.enqueue(req)
		req = r.takeHeld(sender, req.ID)
	}
}

func (r *entityRun) enqueue(req *replay.EntityRequest) {
	if sender := req.ParentInstance; sender != "" && req.Position == 0 && req.ScheduledTime.IsZero() {
		if r.state.Delivered == nil {
			r.state.Delivered = map[string]mark{}
		}
		r.state.Delivered[sender] = mark{ID: req.ID, At: r.now}
	}
	r.state.Queue = append(r.state.Queue, req)
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
		r.enqueue(req)
	}
}

// predecessorFor returns the last signal this entity sent to target and
// records id as the new last one.
func (r *entityRun) predecessorFor(target, id string) string {
	if r.state.LastSent == nil {
		r.state.LastSent = map[string]mark{}
	}
	prev := r.state.LastSent[target].ID
	r.state.LastSent[target] = mark{ID: id, At: r.now}
	return prev
}
