package azurestorage

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// deleteMsgs deletes consumed messages from their queues (a message
// already gone, or re-dequeued by another worker, is ignored).
func (s *Store) deleteMsgs(ctx context.Context, msgs []*qmsg) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, q := range msgs {
		s.mu.Lock()
		id, pop := q.msgID, q.popReceipt
		s.mu.Unlock()
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var err error
			if q.act != nil {
				err = s.settleResult(ctx, q)
			} else if _, err = s.control[q.part].DeleteMessage(ctx, id, pop, nil); isCode(err, 404) {
				err = nil
			}
			if err != nil {
				s.log.Warn("azurestorage: deleting a consumed message failed (it will be redelivered and dropped as a duplicate)", "id", id, "err", err)
			}
		}()
	}
	wg.Wait()
}

// abandonMsgs makes messages visible again after min(2^dequeueCount, 600) s.
func (s *Store) abandonMsgs(ctx context.Context, msgs []*qmsg) {
	for _, q := range msgs {
		s.requeue(ctx, []*qmsg{q}, retryBackoff(q.azDequeue))
	}
}

func lockOf(wi *store.OrchestrationWorkItem) (*orchLock, error) {
	lk, ok := wi.Lock.(*orchLock)
	if !ok || lk == nil {
		return nil, fmt.Errorf("azurestorage: work item for %q has no lock of this store: %w", wi.InstanceID, store.ErrWorkItemLost)
	}
	return lk, nil
}

// CompleteOrchestrationWorkItem commits a work item in a crash-safe
// order: (1) outbound messages and activities are enqueued, (2) the
// history rows and the sentinel are written under the sentinel's ETag,
// (3) the Instances row is replaced, (4) the consumed messages are
// deleted. docs/azure-storage.md explains what a crash between any two
// steps leaves and how the next reader repairs it.
func (s *Store) CompleteOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) error {
	if err := storekit.ValidateCommit(wi.InstanceID, c); err != nil {
		return err
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	lk, err := lockOf(wi)
	if err != nil {
		return err
	}
	if lk.store != s || !s.lockValid(lk) {
		lk.stop()
		return fmt.Errorf("azurestorage: complete work item for %q: %w", wi.InstanceID, store.ErrWorkItemLost)
	}
	now := s.clock.Now()
	// (1) Outbound messages first: if we crash later, the work item is
	// replayed and the receivers drop what they already consumed.
	var items []sendItem
	for i := range c.Messages {
		m := &c.Messages[i]
		items = append(items, sendItem{PartitionIndex(m.InstanceID, s.cfg.PartitionCount), s.messageEnvelope(m, now)})
	}
	if len(c.Activities) > 0 {
		execID := storekit.ActivityExecution(wi, c)
		for _, e := range c.Activities {
			items = append(items, sendItem{-1, &envelope{ID: newID(), InstanceID: wi.InstanceID, ExecutionID: execID, VisibleAt: now, Event: e}})
		}
	}
	// The cache entry is put back only by a successful commit (an abandon
	// after a failed commit must not restore it).
	cached := lk.cached
	lk.cached = nil
	if cached != nil && len(items) > 0 {
		// Served from the cache: make sure no other worker committed
		// since (a partition steal not yet noticed) before anything is
		// sent on the strength of that history.
		cur, err := s.readSentinel(ctx, wi.InstanceID)
		if err != nil {
			return fmt.Errorf("azurestorage: complete work item for %q: %w", wi.InstanceID, err)
		}
		if !cur.exists || cur.etag != lk.hs.sen.etag {
			s.unlock(lk, nil, 0)
			return fmt.Errorf("azurestorage: instance %q was written by another worker: %w", wi.InstanceID, store.ErrWorkItemLost)
		}
	}
	if err := s.sendAll(ctx, items); err != nil {
		return fmt.Errorf("azurestorage: complete work item for %q: send: %w", wi.InstanceID, err)
	}
	var entry *cachedInst
	if c.Instance == nil {
		entry = cached // nothing written
	} else {
		sen := &lk.hs.sen
		row := storekit.CommitRow(wi.InstanceID, c, wi.Instance, now)
		base := lk.base
		if c.ReplaceHistory {
			base = 0
		}
		execID := row.ExecutionID
		if execID == "" {
			execID = sen.execID
		}
		token := newID()
		consumed := slices.Clone(sen.consumed)
		for _, q := range lk.msgs {
			consumed = append(consumed, q.env.ID)
		}
		final, err := s.finalSentinel(ctx, wi.InstanceID, execID, base+len(c.NewHistory), token, consumed, row, now)
		if err != nil {
			return err
		}
		// (2) History + sentinel, conditional on the sentinel's ETag.
		etag, err := s.commitHistory(ctx, wi.InstanceID, sen, base, execID, c.NewHistory, final)
		if err != nil {
			if isLost(err) {
				s.unlock(lk, nil, 0)
			}
			return err
		}
		// (3) Instances row.
		if err := s.writeInstance(ctx, row, token); err != nil {
			// The history is committed: the row is repaired from the
			// sentinel by the next work item or query that notices.
			s.log.Warn("azurestorage: instance row write failed after the history commit; it will be repaired", "instance", wi.InstanceID, "err", err)
		} else {
			if len(consumed) > maxConsumed {
				consumed = consumed[len(consumed)-maxConsumed:]
			}
			entry = committedEntry(lk, base, c.NewHistory, sentinel{exists: true, etag: etag, execID: execID,
				length: base + len(c.NewHistory), token: token, consumed: consumed}, row)
		}
	}
	// (4) Delete the consumed messages.
	drop := append(slices.Clone(lk.msgs), lk.skipped...)
	s.deleteMsgs(ctx, drop)
	s.putCached(wi.InstanceID, entry) // before the unlock: the next lock may take it
	s.unlock(lk, drop, 0)
	return nil
}

func isLost(err error) bool { return err != nil && errorsIs(err, store.ErrWorkItemLost) }

// AbandonOrchestrationWorkItem unlocks the instance; its messages are
// delivered again after retryAfter (held in memory when short, else put
// back on the queue with that visibility delay). retryAfter <= 0 uses the
// exponential back-off min(2^dequeueCount, 600) s.
func (s *Store) AbandonOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, retryAfter time.Duration) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	lk, err := lockOf(wi)
	if err != nil {
		return err
	}
	if lk.store != s || !s.lockValid(lk) {
		lk.stop()
		return fmt.Errorf("azurestorage: abandon work item for %q: %w", wi.InstanceID, store.ErrWorkItemLost)
	}
	if retryAfter <= 0 {
		n := 0
		for _, q := range lk.msgs {
			n = max(n, q.azDequeue+q.handed-1)
		}
		retryAfter = retryBackoff(n)
		if s.virtual {
			retryAfter = 0
		}
	}
	// Nothing was written: the cache entry (if any) is still right.
	s.putCached(wi.InstanceID, lk.cached)
	lk.cached = nil
	if retryAfter <= s.holdThreshold() {
		s.unlock(lk, nil, retryAfter)
		return nil
	}
	all := append(slices.Clone(lk.msgs), lk.skipped...)
	s.requeue(ctx, all, retryAfter)
	s.unlock(lk, all, 0)
	return nil
}

// CreateInstance queues the ExecutionStarted message, then writes the
// Pending Instances row (insert, or replace under the old row's ETag). A
// concurrent create that loses the row write deletes its own message.
func (s *Store) CreateInstance(ctx context.Context, start *history.Event, opts store.CreateOptions) error {
	id, execID, err := storekit.StartIDs(start)
	if err != nil {
		return err
	}
	if err := s.checkOpen(); err != nil {
		return err
	}
	s.forgetCached(id)
	existing, err := s.readInstance(ctx, id)
	if err != nil {
		return fmt.Errorf("azurestorage: create instance %q: %w", id, err)
	}
	if existing != nil && storekit.Refuses(opts, existing.inst.Status) {
		return storekit.ExistsError(id, existing.inst.Status)
	}
	now := s.clock.Now()
	part := PartitionIndex(id, s.cfg.PartitionCount)
	env := s.messageEnvelope(&store.Message{InstanceID: id, ExecutionID: execID, Event: start, VisibleAt: opts.VisibleAt}, now)
	msgID, pop, err := s.enqueue(ctx, part, env)
	if err != nil {
		return fmt.Errorf("azurestorage: create instance %q: %w", id, err)
	}
	row := storekit.NewInstanceRow(start, opts, now)
	b, err := s.instanceEntity(ctx, row, "")
	if err == nil {
		if existing == nil {
			_, err = s.instancesT.AddEntity(ctx, b, nil)
		} else {
			o := updateReplaceIfMatch{existing.etag}.opts()
			_, err = s.instancesT.UpdateEntity(ctx, b, &o)
		}
	}
	if err == nil {
		return nil
	}
	if st := statusOf(err); st == 409 || st == 412 {
		now, _ := s.readInstance(ctx, id)
		if sen, rerr := s.readSentinel(ctx, id); rerr == nil && slices.Contains(sen.consumed, env.ID) &&
			now != nil && now.inst.ExecutionID == execID {
			// A worker already started our execution and wrote the row.
			// The row must be ours: a worker that consumed our message as a
			// duplicate of a racing create's also marks it consumed.
			return nil
		}
		s.withdraw(ctx, part, msgID, pop)
		status := history.StatusPending
		if now != nil {
			status = now.inst.Status
		}
		return storekit.ExistsError(id, status)
	}
	return fmt.Errorf("azurestorage: create instance %q: %w", id, err)
}

// best0 returns the partition of some instance of kind (for a wake-up).
func best0(insts map[string]*instState, kind store.WorkKind, parts []*partition) int {
	for _, st := range insts {
		if st.kind == kind && st.lock == 0 && parts[st.part].enqSeq > parts[st.part].polledSeq {
			return st.part
		}
	}
	return -2
}

// withdraw deletes a message this process queued, wherever it is now (in
// the queue, or in this process's buffer with a newer pop receipt).
func (s *Store) withdraw(ctx context.Context, part int, msgID, pop string) {
	s.mu.Lock()
	if q := s.byMsgID[msgID]; q != nil && q.lockedBy == 0 {
		pop = q.popReceipt
		delete(s.byMsgID, msgID)
		if st := s.insts[q.env.InstanceID]; st != nil {
			st.msgs = slices.DeleteFunc(st.msgs, func(x *qmsg) bool { return x == q })
			if len(st.msgs) == 0 && st.lock == 0 {
				delete(s.insts, st.id)
			}
		}
	}
	s.mu.Unlock()
	_, _ = s.control[part].DeleteMessage(ctx, msgID, pop, nil)
}
