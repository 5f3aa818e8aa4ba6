package memory

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/backend/storekit"
	"github.com/godurable/durablefunctions/internal/history"
)

// CreateInstance writes a Pending row for start's instance and queues the
// start message. A finished instance (or one opts allow replacing) is
// replaced: its row, history and queued messages are discarded, and a
// work item holding it loses its lock.
func (s *Store) CreateInstance(ctx context.Context, start *history.Event, opts backend.CreateOptions) error {
	id, execID, err := storekit.StartIDs(start)
	if err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("create instance %q: %w", id, err)
	}
	defer s.mu.Unlock()
	now := s.clock.Now()
	in := s.instances[id]
	if in != nil && in.row != nil {
		if storekit.Refuses(opts, in.row.Status) {
			return storekit.ExistsError(id, in.row.Status)
		}
		s.drop(in)
	}
	in = s.get(id)
	in.row = storekit.NewInstanceRow(start, opts, now)
	in.history = nil
	s.enqueue(&backend.Message{InstanceID: id, ExecutionID: execID, Event: start, VisibleAt: opts.VisibleAt}, now)
	return nil
}

// SendMessages queues msgs, all or none.
func (s *Store) SendMessages(ctx context.Context, msgs ...backend.Message) error {
	if err := storekit.ValidateMessages(msgs); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("send messages: %w", err)
	}
	defer s.mu.Unlock()
	now := s.clock.Now()
	for i := range msgs {
		s.enqueue(&msgs[i], now)
	}
	return nil
}

// NextOrchestrationWorkItem locks the instance of kind whose messages
// became visible first and returns it with its visible messages.
func (s *Store) NextOrchestrationWorkItem(ctx context.Context, kind backend.WorkKind) (*backend.OrchestrationWorkItem, error) {
	h := &s.ready[queueOf(kind)]
	for {
		if err := s.begin(ctx); err != nil {
			return nil, err
		}
		now := s.clock.Now()
		var due time.Time
		for h.Len() > 0 {
			top := (*h)[0]
			if top.ver != top.in.ver {
				heap.Pop(h)
				continue
			}
			if top.key.After(now) {
				due = top.key
				break
			}
			heap.Pop(h)
			wi := s.lockInstance(top.in, now)
			s.mu.Unlock()
			return wi, nil
		}
		if err := s.wait(ctx, queueOf(kind), due, now); err != nil {
			return nil, err
		}
	}
}

// lockedInstance returns the instance wi holds the lock of, or
// ErrWorkItemLost. Callers hold mu.
func (s *Store) lockedInstance(op string, wi *backend.OrchestrationWorkItem) (*instance, *lockToken, error) {
	lock, ok := s.lockOf(wi.Lock)
	if !ok {
		return nil, nil, lostError(op, wi.InstanceID)
	}
	in := s.instances[wi.InstanceID]
	if in == nil || in.lock != lock.token {
		return nil, nil, lostError(op, wi.InstanceID)
	}
	return in, lock, nil
}

// CompleteOrchestrationWorkItem applies c and unlocks the instance.
func (s *Store) CompleteOrchestrationWorkItem(ctx context.Context, wi *backend.OrchestrationWorkItem, c *backend.OrchestrationCommit) error {
	if err := storekit.ValidateCommit(wi.InstanceID, c); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("complete work item for instance %q: %w", wi.InstanceID, err)
	}
	defer s.mu.Unlock()
	in, lock, err := s.lockedInstance("complete work item", wi)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if c.Instance != nil {
		in.row = storekit.CommitRow(in.id, c, in.row, now)
		if c.ReplaceHistory {
			in.history = nil
		}
		in.history = append(in.history, storekit.CloneEvents(c.NewHistory)...)
	}
	in.msgs = slices.DeleteFunc(in.msgs, func(m *message) bool {
		return m.lockedBy == lock.token
	})
	for i := range c.Messages {
		s.enqueue(&c.Messages[i], now)
	}
	if len(c.Activities) > 0 {
		execID := storekit.ActivityExecution(wi, c)
		for _, e := range c.Activities {
			s.addActivity(in.id, execID, e, now)
		}
	}
	s.unlock(in)
	return nil
}

// AbandonOrchestrationWorkItem unlocks the instance; the work item's
// messages become visible again after retryAfter.
func (s *Store) AbandonOrchestrationWorkItem(ctx context.Context, wi *backend.OrchestrationWorkItem, retryAfter time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("abandon work item for instance %q: %w", wi.InstanceID, err)
	}
	defer s.mu.Unlock()
	in, lock, err := s.lockedInstance("abandon work item", wi)
	if err != nil {
		return err
	}
	at := storekit.RetryAt(s.clock.Now(), retryAfter)
	for _, m := range in.msgs {
		if m.lockedBy == lock.token {
			m.visibleAt = at
		}
	}
	s.unlock(in)
	return nil
}
