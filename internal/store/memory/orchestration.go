package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memqueue"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// CreateInstance writes a Pending row for start's instance and queues the
// start message. A finished instance (or one opts allow replacing) is
// replaced: its row, history and queued messages are discarded, and a
// work item holding it loses its lock.
func (s *Store) CreateInstance(ctx context.Context, start *history.Event, opts store.CreateOptions) error {
	id, execID, err := storekit.StartIDs(start)
	if err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("create instance %q: %w", id, err)
	}
	defer s.mu.Unlock()
	now := s.clock.Now()
	if in := s.instances[id]; in != nil {
		if storekit.Refuses(opts, in.row.Status) {
			return storekit.ExistsError(id, in.row.Status)
		}
		s.drop(id)
	}
	s.record(id).row = storekit.NewInstanceRow(start, opts, now)
	s.enqueue(&store.Message{InstanceID: id, ExecutionID: execID, Event: start, VisibleAt: opts.VisibleAt}, now)
	return nil
}

// SendMessages queues msgs, all or none.
func (s *Store) SendMessages(ctx context.Context, msgs ...store.Message) error {
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
func (s *Store) NextOrchestrationWorkItem(ctx context.Context, kind store.WorkKind) (*store.OrchestrationWorkItem, error) {
	qin, token, msgs, err := s.q.NextInstance(ctx, kind)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	wi := &store.OrchestrationWorkItem{InstanceID: qin.ID, Lock: &lockToken{store: s, token: token}}
	var in instance // no row yet: messages can arrive before the instance is created
	if r := s.instances[qin.ID]; r != nil {
		in = *r
	}
	wi.Instance = storekit.CloneInstance(in.row)
	wi.History = storekit.CloneEvents(in.history)
	for _, m := range msgs {
		wi.Messages = append(wi.Messages, m.WorkMessage(qin.ID))
	}
	return wi, nil
}

// lockedInstance returns the instance wi holds the lock of, or
// ErrWorkItemLost. Callers hold mu.
func (s *Store) lockedInstance(op string, wi *store.OrchestrationWorkItem) (*memqueue.Instance, *lockToken, error) {
	lock, ok := s.lockOf(wi.Lock)
	if !ok {
		return nil, nil, lostError(op, wi.InstanceID)
	}
	in := s.q.Locked(wi.InstanceID, lock.token)
	if in == nil {
		return nil, nil, lostError(op, wi.InstanceID)
	}
	return in, lock, nil
}

// CompleteOrchestrationWorkItem applies c and unlocks the instance.
func (s *Store) CompleteOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) error {
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
		r := s.record(in.ID)
		r.row = storekit.CommitRow(in.ID, c, r.row, now)
		if c.ReplaceHistory {
			r.history = nil
		}
		r.history = append(r.history, storekit.CloneEvents(c.NewHistory)...)
	}
	s.q.DeleteLocked(in, lock.token)
	for i := range c.Messages {
		s.enqueue(&c.Messages[i], now)
	}
	if len(c.Activities) > 0 {
		execID := storekit.ActivityExecution(wi, c)
		for _, e := range c.Activities {
			s.addActivity(in.ID, execID, e, now)
		}
	}
	s.q.Unlock(in)
	return nil
}

// AbandonOrchestrationWorkItem unlocks the instance; the work item's
// messages become visible again after retryAfter.
func (s *Store) AbandonOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, retryAfter time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("abandon work item for instance %q: %w", wi.InstanceID, err)
	}
	defer s.mu.Unlock()
	in, lock, err := s.lockedInstance("abandon work item", wi)
	if err != nil {
		return err
	}
	s.q.Retry(in, lock.token, storekit.RetryAt(s.clock.Now(), retryAfter))
	s.q.Unlock(in)
	return nil
}
