package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memqueue"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// encodedMessage is a message ready for the writer.
type encodedMessage struct {
	m     store.Message
	event []byte
}

func encodeMessages(msgs []store.Message, now time.Time) ([]encodedMessage, error) {
	out := make([]encodedMessage, len(msgs))
	for i, m := range msgs {
		ev, err := encodeEvent(m.Event)
		if err != nil {
			return nil, fmt.Errorf("message for instance %q: %w", m.InstanceID, err)
		}
		m.Event = storekit.CloneEvent(m.Event)
		m.VisibleAt = storekit.Visible(m.VisibleAt, now)
		out[i] = encodedMessage{m: m, event: ev}
	}
	return out, nil
}

// insertMessages writes msgs and returns the effect that mirrors them.
func (b *batch) insertMessages(msgs []encodedMessage) (func(), error) {
	if len(msgs) == 0 {
		return func() {}, nil
	}
	ids := make([]int64, len(msgs))
	for i, em := range msgs {
		ids[i] = b.newMsgID()
		vis := toNanos(em.m.VisibleAt)
		if err := b.exec(b.s.w.insMsg, ids[i], em.m.InstanceID, em.m.ExecutionID, vis, vis, 0, em.event); err != nil {
			return nil, fmt.Errorf("queue message for instance %q: %w", em.m.InstanceID, err)
		}
	}
	return func() {
		for i, em := range msgs {
			b.s.q.Enqueue(em.m.InstanceID, &memqueue.Message{ID: ids[i], ExecID: em.m.ExecutionID, Event: em.m.Event, Due: em.m.VisibleAt, VisibleAt: em.m.VisibleAt})
		}
	}, nil
}

// CreateInstance writes a Pending row for start's instance and queues the
// start message; see store.Store.
func (s *Store) CreateInstance(ctx context.Context, start *history.Event, opts store.CreateOptions) error {
	id, execID, err := storekit.StartIDs(start)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	row := storekit.NewInstanceRow(start, opts, now)
	args, err := encodeRow(row)
	if err != nil {
		return fmt.Errorf("create instance %q: %w", id, err)
	}
	msgs, err := encodeMessages([]store.Message{{InstanceID: id, ExecutionID: execID, Event: start, VisibleAt: opts.VisibleAt}}, now)
	if err != nil {
		return fmt.Errorf("create instance %q: %w", id, err)
	}
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		// A new id, the usual case, takes one statement; the row read
		// and the dedupe rules are for an id in use.
		inserted, err := b.update(s.w.insRowNew, args[:]...)
		if err != nil {
			return nil, nil, err
		}
		replaced := !inserted
		if replaced {
			var status int
			if err := b.stmt(s.w.selStatus).QueryRow(id).Scan(&status); err != nil {
				return nil, nil, err
			}
			if st := history.RuntimeStatus(status); storekit.Refuses(opts, st) {
				return nil, storekit.ExistsError(id, st), nil
			}
			if err := b.exec(s.w.delHistory, id); err != nil {
				return nil, nil, err
			}
			if err := b.exec(s.w.delMsgsOf, id); err != nil {
				return nil, nil, err
			}
			b.stolen[id] = true
			if err := b.exec(s.w.upsertRow, args[:]...); err != nil {
				return nil, nil, err
			}
		}
		queue, err := b.insertMessages(msgs)
		if err != nil {
			return nil, nil, err
		}
		return func() {
			if replaced {
				s.qdrop(id)
			}
			queue()
			// queue gave id its start message, so it has queue state.
			s.q.Instance(id).Gen++
			s.setCache(id, &cached{row: row})
		}, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil && !errors.Is(err, store.ErrInstanceExists) {
		return fmt.Errorf("create instance %q: %w", id, err)
	} else if err != nil {
		return err
	}
	return nil
}

// SendMessages queues msgs, all or none.
func (s *Store) SendMessages(ctx context.Context, msgs ...store.Message) error {
	if err := storekit.ValidateMessages(msgs); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	enc, err := encodeMessages(msgs, s.clock.Now())
	if err != nil {
		return fmt.Errorf("send messages: %w", err)
	}
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		eff, err := b.insertMessages(enc)
		return eff, nil, err
	}}
	if err := s.submit(ctx, o); err != nil {
		return fmt.Errorf("send messages to instance %q: %w", msgs[0].InstanceID, err)
	}
	return nil
}

// NextOrchestrationWorkItem locks the instance of kind whose messages
// became visible first; see store.Store.
func (s *Store) NextOrchestrationWorkItem(ctx context.Context, kind store.WorkKind) (*store.OrchestrationWorkItem, error) {
	in, token, msgs, err := s.q.NextInstance(ctx, kind)
	if err != nil {
		return nil, err
	}
	return s.lockInstance(ctx, in, token, msgs)
}

// lockInstance builds the work item of in, which token has just locked
// with msgs (callers hold mu; it is released), and loads its row and
// history.
func (s *Store) lockInstance(ctx context.Context, in *memqueue.Instance, token uint64, msgs []*memqueue.Message) (*store.OrchestrationWorkItem, error) {
	lock := &lockToken{store: s, token: token}
	wi := &store.OrchestrationWorkItem{InstanceID: in.ID, Lock: lock}
	var bumps map[int64]int
	for _, m := range msgs {
		lock.msgIDs = append(lock.msgIDs, m.ID)
		if !s.deferMsg(m.ID, m.Dequeue) {
			if bumps == nil {
				bumps = make(map[int64]int)
			}
			bumps[m.ID] = m.Dequeue
		}
		wi.Messages = append(wi.Messages, m.WorkMessage(in.ID))
	}
	gen := in.Gen
	c, hit := s.cache[in.ID]
	s.mu.Unlock()

	// The counts are durable before anyone processes the messages
	// (dequeue.go).
	if len(bumps) > 0 {
		if err := s.writeDequeues(ctx, bumps, 0, 0); err != nil {
			s.unlockAfter(in, lock)
			return nil, err
		}
	}
	if !hit {
		row, hist, err := s.loadInstance(ctx, in.ID)
		if err != nil {
			s.unlockAfter(in, lock)
			return nil, err
		}
		c = &cached{row: row, history: hist}
		s.mu.Lock()
		if in.Gen == gen && in.Lock == lock.token {
			s.setCache(in.ID, c)
		}
		s.mu.Unlock()
	}
	lock.row, lock.history = c.row, c.history
	wi.Instance = storekit.CloneInstance(c.row)
	wi.History = shareHistory(c.history)
	return wi, nil
}

// unlockAfter releases in when taking it for a work item failed.
func (s *Store) unlockAfter(in *memqueue.Instance, lock *lockToken) {
	s.mu.Lock()
	if in.Lock == lock.token {
		s.q.Unlock(in)
	}
	s.mu.Unlock()
}

// shareHistory gives a work item the cached history itself rather than a
// copy (copying was a tenth of a 5,000-activity fan-out): neither the
// store nor the engine modifies a stored event, and the capacity is
// clipped so that an append by the engine copies instead of writing into
// the cache's array.
func shareHistory(h []*history.Event) []*history.Event { return slices.Clip(h) }

// loadInstance reads an instance's row (nil if none) and history.
func (s *Store) loadInstance(ctx context.Context, id string) (*store.Instance, []*history.Event, error) {
	row, err := scanRow(s.r.selRow.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		row, err = nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load instance %q: %w", id, err)
	}
	hist, err := s.loadHistory(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return row, hist, nil
}

func (s *Store) loadHistory(ctx context.Context, id string) ([]*history.Event, error) {
	rows, err := s.r.selHistory.QueryContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load history of instance %q: %w", id, err)
	}
	defer rows.Close()
	hist, err := scanHistory(rows)
	if err != nil {
		return nil, fmt.Errorf("load history of instance %q: %w", id, err)
	}
	if len(hist) == 0 {
		return nil, nil
	}
	return hist, nil
}

// checkLock reports whether lock still holds instance id in this batch.
func (b *batch) checkLock(id string, lock *lockToken) bool {
	if b.stolen[id] || b.used[lock.token] {
		return false
	}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.s.q.Locked(id, lock.token) != nil
}

// CompleteOrchestrationWorkItem applies c atomically and unlocks the
// instance; see store.Store.
func (s *Store) CompleteOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) error {
	id := wi.InstanceID
	if err := storekit.ValidateCommit(id, c); err != nil {
		return err
	}
	lock, ok := s.lockOf(wi.Lock)
	if !ok {
		return lostError("complete work item", id)
	}
	now := s.clock.Now()
	var (
		row      *store.Instance
		rowArgs  rowArgs
		newHist  []*history.Event
		histBlob []byte
		err      error
	)
	prev := lock.row
	if lock.start != nil {
		if c.Instance == nil {
			// Nothing would create the instance: let the caller create
			// it the usual way.
			s.mu.Lock()
			s.release(id, lock)
			s.mu.Unlock()
			return lostError("start instance inline", id)
		}
		prev = lock.start.row
	}
	if c.Instance != nil {
		row = storekit.CommitRow(id, c, prev, now)
		if rowArgs, err = encodeRow(row); err != nil {
			return fmt.Errorf("complete work item for instance %q: %w", id, err)
		}
		newHist = storekit.CloneEvents(c.NewHistory)
		histEnc := make([][]byte, len(newHist))
		for i, e := range newHist {
			if histEnc[i], err = encodeEvent(e); err != nil {
				return fmt.Errorf("complete work item for instance %q: %w", id, err)
			}
		}
		if len(histEnc) > 0 {
			histBlob = encodeChunk(histEnc) // one row for the commit's events
		}
	}
	msgs, err := encodeMessages(c.Messages, now)
	if err != nil {
		return fmt.Errorf("complete work item for instance %q: %w", id, err)
	}
	execID := storekit.ActivityExecution(wi, c)
	acts := make([]*history.Event, len(c.Activities))
	actEnc := make([][]byte, len(c.Activities))
	for i, e := range c.Activities {
		acts[i] = storekit.CloneEvent(e)
		if actEnc[i], err = encodeEvent(e); err != nil {
			return fmt.Errorf("complete work item for instance %q: %w", id, err)
		}
	}
	replace := c.ReplaceHistory
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		if !b.checkLock(id, lock) {
			return nil, lostError("complete work item", id), nil
		}
		if lock.start != nil {
			if release, refused, err := b.claimNew(id, lock, rowArgs); release != nil || err != nil {
				return release, refused, err
			}
		}
		if lock.result != nil {
			if release, refused, err := b.claimResult(id, lock); release != nil || err != nil {
				return release, refused, err
			}
		}
		var hist []*history.Event
		if row != nil {
			if lock.start == nil { // else claimNew wrote it
				if err := b.writeRow(rowArgs, lock.row); err != nil {
					return nil, nil, err
				}
			}
			seq := len(lock.history)
			hist = slices.Concat(lock.history, newHist)
			if replace {
				if err := b.exec(s.w.delHistory, id); err != nil {
					return nil, nil, err
				}
				seq, hist = 0, newHist
			}
			if histBlob != nil {
				if err := b.exec(s.w.insHistory, id, seq, row.ExecutionID, histBlob); err != nil {
					return nil, nil, err
				}
			}
		}
		if err := b.deleteMessages(lock.msgIDs); err != nil {
			return nil, nil, err
		}
		queue, err := b.insertMessages(msgs)
		if err != nil {
			return nil, nil, err
		}
		actIDs := make([]int64, len(acts))
		nowNs := toNanos(now)
		for i := range acts {
			actIDs[i] = b.newActID()
			if err := b.exec(s.w.insAct, actIDs[i], id, execID, nowNs, 0, actEnc[i]); err != nil {
				return nil, nil, err
			}
		}
		b.used[lock.token] = true
		return func() {
			// in is nil if an earlier request of the batch dropped the
			// instance, taking the lock and its messages along.
			in := s.q.Locked(id, lock.token)
			if in != nil {
				s.q.DeleteLocked(in, lock.token)
			}
			for _, mid := range lock.msgIDs {
				delete(s.dq.msgs, mid)
			}
			if row != nil {
				if in != nil {
					in.Gen++
				}
				s.setCache(id, &cached{row: row, history: hist})
			}
			queue()
			for i, e := range acts {
				s.addActivity(&memqueue.Activity{ID: actIDs[i], InstanceID: id, ExecID: execID, Event: e, VisibleAt: now})
			}
			if lock.result != nil {
				s.removeActivity(lock.result.actID, id)
			}
			if in != nil {
				s.q.Unlock(in)
			}
		}, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil {
		if errors.Is(err, store.ErrWorkItemLost) {
			return err
		}
		return fmt.Errorf("complete work item for instance %q: %w", id, err)
	}
	return nil
}

// AbandonOrchestrationWorkItem unlocks the instance; the work item's
// messages become visible again after retryAfter.
func (s *Store) AbandonOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, retryAfter time.Duration) error {
	id := wi.InstanceID
	lock, ok := s.lockOf(wi.Lock)
	if !ok {
		return lostError("abandon work item", id)
	}
	if lock.start != nil {
		return s.abandonStart(ctx, id, lock)
	}
	if lock.result != nil {
		// Nothing was stored or locked but the instance; the caller
		// completes the activity itself.
		s.mu.Lock()
		s.release(id, lock)
		s.mu.Unlock()
		return nil
	}
	at := storekit.RetryAt(s.clock.Now(), retryAfter)
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		if !b.checkLock(id, lock) {
			return nil, lostError("abandon work item", id), nil
		}
		s.mu.Lock()
		counts := map[int64]int{}
		for _, m := range s.q.Instance(id).Msgs {
			if m.LockedBy == lock.token {
				counts[m.ID] = m.Dequeue
			}
		}
		s.mu.Unlock()
		for mid, n := range counts {
			if err := b.exec(s.w.updMsg, toNanos(at), n, mid); err != nil {
				return nil, nil, err
			}
		}
		b.used[lock.token] = true
		return func() {
			for mid := range counts {
				delete(s.dq.msgs, mid) // written above
			}
			if in := s.q.Locked(id, lock.token); in != nil {
				s.q.Retry(in, lock.token, at)
				s.q.Unlock(in)
			}
		}, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil {
		if errors.Is(err, store.ErrWorkItemLost) {
			return err
		}
		return fmt.Errorf("abandon work item for instance %q: %w", id, err)
	}
	return nil
}
