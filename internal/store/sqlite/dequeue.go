package sqlite

import (
	"context"
	"fmt"
)

// Dequeue counts. A message or activity request's delivery count is kept
// in its row so that one whose processing kills the process is poisoned
// (engine.Options.MaxDequeueCount) after a bounded number of restarts.
//
// Writing the count at every delivery cost a statement per message and a
// commit of its own per activity when the writer was idle, so the first
// delivery of a row created since this store opened is not written: its
// count lives in memory only, reaches the row if the work item is
// abandoned (which writes the count) or when the store closes (flushDequeues),
// and is lost only if the process dies first. Every other delivery (any
// delivery after a restart, any redelivery) writes its count and waits for
// the commit before the work item is handed out. So a delivery that kills
// the process is counted durably each time except the very first, and a
// request whose processing always kills the process runs at most
// MaxDequeueCount times (MaxDequeueCount − 1 when every count was written,
// plus that one first delivery) before it is poisoned.

// dequeues records the counts not yet written; guarded by mu.
type dequeues struct {
	// Rows with ids above these were created since Open.
	loadedMsgID, loadedActID int64
	// Counts in memory only, by row id: first deliveries of fresh rows.
	msgs, acts map[int64]int
}

func newDequeues() dequeues {
	return dequeues{msgs: make(map[int64]int), acts: make(map[int64]int)}
}

// deferMsg reports whether delivery n of message id need not be written
// now, and records it if so (callers hold mu).
func (s *Store) deferMsg(id int64, n int) bool {
	if n != 1 || id <= s.dq.loadedMsgID {
		return false
	}
	s.dq.msgs[id] = n
	return true
}

// deferAct is deferMsg for activity request id (callers hold mu).
func (s *Store) deferAct(id int64, n int) bool {
	if n != 1 || id <= s.dq.loadedActID {
		return false
	}
	s.dq.acts[id] = n
	return true
}

// writeDequeues writes the counts of msgs (message id → count) and of
// activity request act (when n > 0) and waits for the commit.
func (s *Store) writeDequeues(ctx context.Context, msgs map[int64]int, act int64, n int) error {
	return s.submit(ctx, &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		for id, c := range msgs {
			if err := b.exec(s.w.bumpMsg, c, id); err != nil {
				return nil, nil, fmt.Errorf("write dequeue count of message %d: %w", id, err)
			}
		}
		if n > 0 {
			if err := b.exec(s.w.bumpAct, n, act); err != nil {
				return nil, nil, fmt.Errorf("write dequeue count of activity request %d: %w", act, err)
			}
		}
		return nil, nil, nil
	}})
}

// flushDequeues writes the counts kept in memory only, as the last
// request of a closing store (Close). A row gone meanwhile matches no
// row; a count written since by an abandon or a later delivery is not
// lowered.
func (s *Store) flushDequeues() *op {
	s.mu.Lock()
	msgs, acts := s.dq.msgs, s.dq.acts
	s.dq.msgs, s.dq.acts = make(map[int64]int), make(map[int64]int)
	s.mu.Unlock()
	if len(msgs) == 0 && len(acts) == 0 {
		return nil
	}
	return &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		for id, c := range msgs {
			if err := b.exec(s.w.raiseMsg, c, id); err != nil {
				return nil, nil, fmt.Errorf("write dequeue count of message %d: %w", id, err)
			}
		}
		for id, c := range acts {
			if err := b.exec(s.w.raiseAct, c, id); err != nil {
				return nil, nil, fmt.Errorf("write dequeue count of activity request %d: %w", id, err)
			}
		}
		return nil, nil, nil
	}}
}
