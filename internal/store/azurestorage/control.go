package azurestorage

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// qmsg is a dequeued control-queue message held by this process.
type qmsg struct {
	part       int
	msgID      string
	popReceipt string
	raw        string
	env        *envelope
	azDequeue  int
	handed     int       // times handed out in a work item by this process
	notBefore  time.Time // held in memory until then (clock time)
	seq        uint64
	lockedBy   uint64
	// act, for an activity result delivered in process, is the request it
	// answers: no control-queue message exists (msgID is synthetic), and
	// the request's lock on the work-item queue stands in for one.
	act *actMsg
}

// instState is an instance with buffered messages or a lock.
type instState struct {
	id   string
	kind store.WorkKind
	part int
	msgs []*qmsg
	lock uint64
}

// orchLock is OrchestrationWorkItem.Lock.
type orchLock struct {
	store   *Store
	token   uint64
	id      string
	msgs    []*qmsg // delivered in the work item
	skipped []*qmsg // duplicates to delete with the commit
	hs      *historyState
	base    int              // rows 0..base-1 of the stored history are the presented history
	events  []*history.Event // the presented history (the store's copies)
	part    int              // the instance's partition and its lease epoch at lock time
	epoch   int
	cached  *cachedInst // the cache entry the work item was served from
	done    chan struct{}
	once    sync.Once
}

func (l *orchLock) stop() { l.once.Do(func() { close(l.done) }) }

func (s *Store) broadcastLocked() {
	close(s.notify)
	s.notify = make(chan struct{})
}

// pollControl is the dequeue loop of one owned control queue.
func (s *Store) pollControl(ctx context.Context, p *partition) {
	defer s.wg.Done()
	bo := backoff{max: s.cfg.MaxQueuePollingInterval}
	vis := visibilitySeconds(s.cfg.ControlQueueVisibilityTimeout)
	errLogged := time.Time{}
	for ctx.Err() == nil {
		if s.bufferedCount(p.index) >= 1000 {
			sleepCtx(ctx, time.Second, nil)
			continue
		}
		s.mu.Lock()
		snap := p.enqSeq
		s.mu.Unlock()
		resp, err := p.queue.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{
			NumberOfMessages: to.Ptr(int32(s.cfg.ControlQueueBatchSize)), VisibilityTimeout: to.Ptr(vis)})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if time.Since(errLogged) > 10*time.Second {
				s.log.Warn("azurestorage: control queue poll failed", "partition", p.index, "err", err)
				errLogged = time.Now()
			}
			sleepCtx(ctx, bo.next(), nil)
			continue
		}
		if len(resp.Messages) > 0 {
			s.ingest(ctx, p, resp.Messages)
		}
		s.mu.Lock()
		if snap > p.polledSeq {
			p.polledSeq = snap
			s.broadcastLocked()
		}
		s.mu.Unlock()
		if len(resp.Messages) == 0 {
			sleepCtx(ctx, bo.next(), p.wake)
			continue
		}
		bo.reset()
	}
}

func (s *Store) bufferedCount(part int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.insts {
		if st.part == part {
			n += len(st.msgs)
		}
	}
	return n
}

// ingest decodes dequeued messages into the buffer.
func (s *Store) ingest(ctx context.Context, p *partition, msgs []*azqueue.DequeuedMessage) {
	now := s.clock.Now()
	var added []*qmsg
	for _, m := range msgs {
		if m == nil || m.MessageID == nil {
			continue
		}
		env, err := decodeEnvelope(deref(m.MessageText))
		if err == nil {
			env, err = s.resolve(ctx, env)
			if err != nil && isCode(err, 404) {
				// The large-message blob is gone: the instance was purged.
				_, _ = p.queue.DeleteMessage(ctx, *m.MessageID, deref(m.PopReceipt), nil)
				continue
			}
		}
		if err != nil {
			s.undecodable(ctx, p.queue, m, err)
			continue
		}
		q := &qmsg{part: p.index, msgID: *m.MessageID, popReceipt: deref(m.PopReceipt), raw: deref(m.MessageText),
			env: env, azDequeue: int(deref64(m.DequeueCount)) + env.Deliveries}
		if due := env.VisibleAt; due.After(now) {
			remaining := due.Sub(now)
			if !s.virtual && remaining > time.Second && remaining > s.holdThreshold() {
				// Surfaced early (delays are capped at 6 days): put it back.
				_, _ = p.queue.UpdateMessage(ctx, q.msgID, q.popReceipt, q.raw,
					&azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(visibilitySeconds(remaining))})
				continue
			}
			if s.virtual || remaining > time.Second {
				q.notBefore = due
			}
		}
		added = append(added, q)
	}
	if len(added) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !p.owned {
		go s.makeVisible(context.Background(), added)
		return
	}
	for _, q := range added {
		if old := s.byMsgID[q.msgID]; old != nil {
			// Seen again (its visibility lapsed while buffered): keep the
			// new pop receipt.
			old.popReceipt, old.azDequeue = q.popReceipt, q.azDequeue
			continue
		}
		s.addBufferedLocked(q)
	}
	s.broadcastLocked()
}

// addBufferedLocked files a message this process holds under its
// instance, in arrival order. Callers hold mu and broadcast.
func (s *Store) addBufferedLocked(q *qmsg) {
	s.lockSeq++
	q.seq = s.lockSeq
	s.byMsgID[q.msgID] = q
	st := s.insts[q.env.InstanceID]
	if st == nil {
		st = &instState{id: q.env.InstanceID, kind: store.KindOf(q.env.InstanceID), part: q.part}
		s.insts[st.id] = st
	}
	st.msgs = append(st.msgs, q)
	if !q.notBefore.IsZero() {
		s.wakeAt(q.notBefore)
	}
}

// wakeAt broadcasts when the clock reaches t. Callers hold mu.
func (s *Store) wakeAt(t time.Time) {
	d := t.Sub(s.clock.Now())
	ch := s.clock.After(d)
	go func() {
		select {
		case <-ch:
			s.mu.Lock()
			s.broadcastLocked()
			s.mu.Unlock()
		case <-s.ctx.Done():
		}
	}()
}

// takeBufferedLocked removes the unlocked buffered messages of a
// partition. Callers hold mu.
func (s *Store) takeBufferedLocked(part int) []*qmsg {
	var out []*qmsg
	for id, st := range s.insts {
		if st.part != part {
			continue
		}
		kept := st.msgs[:0]
		for _, q := range st.msgs {
			if q.lockedBy == 0 {
				out = append(out, q)
				delete(s.byMsgID, q.msgID)
			} else {
				kept = append(kept, q)
			}
		}
		st.msgs = kept
		if len(st.msgs) == 0 && st.lock == 0 {
			delete(s.insts, id)
		}
	}
	return out
}

// makeVisible puts messages back on their queues, visible at once.
func (s *Store) makeVisible(ctx context.Context, msgs []*qmsg) {
	s.requeue(ctx, msgs, 0)
}

// requeue makes messages visible on their queues after delay (locally
// delivered results are queued then).
func (s *Store) requeue(ctx context.Context, msgs []*qmsg, delay time.Duration) {
	for _, q := range msgs {
		if q.act != nil {
			s.materialize(ctx, q, delay)
			continue
		}
		s.mu.Lock()
		id, pop := q.msgID, q.popReceipt
		s.mu.Unlock()
		_, _ = s.control[q.part].UpdateMessage(ctx, id, pop, q.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(visibilitySeconds(delay))})
	}
}

// NextOrchestrationWorkItem locks the instance of kind whose due messages
// arrived first and returns its state, history and messages.
func (s *Store) NextOrchestrationWorkItem(ctx context.Context, kind store.WorkKind) (*store.OrchestrationWorkItem, error) {
	for {
		if err := s.checkOpen(); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.mu.Lock()
		now := s.clock.Now()
		var best *instState
		var bestSeq uint64
		for _, st := range s.insts {
			if st.kind != kind || st.lock != 0 || !s.parts[st.part].owned {
				continue
			}
			for _, q := range st.msgs {
				if q.lockedBy == 0 && !q.notBefore.After(now) {
					if best == nil || q.seq < bestSeq {
						best, bestSeq = st, q.seq
					}
					break
				}
			}
		}
		if best != nil && s.parts[best.part].enqSeq > s.parts[best.part].polledSeq {
			// This process queued messages that the poller has not read
			// yet: let it, so that they join this work item.
			best = nil
			s.wakeQueue(best0(s.insts, kind, s.parts))
		}
		if best != nil {
			s.lockSeq++
			lk := &orchLock{store: s, token: s.lockSeq, id: best.id, done: make(chan struct{}),
				part: best.part, epoch: s.parts[best.part].epoch}
			best.lock = lk.token
			for _, q := range best.msgs {
				if q.lockedBy == 0 && !q.notBefore.After(now) {
					q.lockedBy = lk.token
					q.handed++
					lk.msgs = append(lk.msgs, q)
				}
			}
			s.mu.Unlock()
			wi, err := s.loadWorkItem(ctx, lk)
			if err != nil {
				s.unlock(lk, nil, 0)
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if s.closed.Load() {
					return nil, store.ErrClosed
				}
				s.log.Warn("azurestorage: loading work item failed", "instance", lk.id, "err", err)
				sleepCtx(ctx, 500*time.Millisecond, nil)
				continue
			}
			if wi != nil {
				return wi, nil
			}
			continue
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// unlock releases a lock: messages in drop are removed from the buffer
// (deleted or abandoned by the caller); the others stay buffered, held
// until now+retry when retry > 0.
func (s *Store) unlock(lk *orchLock, drop []*qmsg, retry time.Duration) {
	lk.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.insts[lk.id]
	if st == nil || st.lock != lk.token {
		return
	}
	st.lock = 0
	hold := time.Time{}
	if retry > 0 {
		hold = s.clock.Now().Add(retry)
	}
	st.msgs = slices.DeleteFunc(st.msgs, func(q *qmsg) bool {
		if slices.Contains(drop, q) {
			delete(s.byMsgID, q.msgID)
			return true
		}
		if q.lockedBy == lk.token {
			q.lockedBy = 0
			if !hold.IsZero() {
				q.notBefore = hold
			}
		}
		return false
	})
	if !hold.IsZero() {
		s.wakeAt(hold)
	}
	if !s.parts[st.part].owned {
		// The partition was given up while the work item was out: release
		// what it held, as dropPartition did with the rest. (Queue messages
		// would reappear anyway; results delivered in process would not.)
		rel := st.msgs
		for _, q := range rel {
			delete(s.byMsgID, q.msgID)
		}
		st.msgs = nil
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s.makeVisible(ctx, rel)
		}()
	}
	if len(st.msgs) == 0 {
		delete(s.insts, lk.id)
	}
	s.broadcastLocked()
}

// lockValid reports whether lk still holds its instance.
func (s *Store) lockValid(lk *orchLock) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.insts[lk.id]
	return st != nil && st.lock == lk.token
}

// loadWorkItem reads the instance's row and history for a fresh lock,
// repairs a lost Instances write, and filters the messages: redeliveries
// of consumed messages are dropped, responses that arrived before the
// history that expects them are put back with a back-off. It returns nil
// (lock released) when nothing is left to deliver.
func (s *Store) loadWorkItem(ctx context.Context, lk *orchLock) (*store.OrchestrationWorkItem, error) {
	var hs *historyState
	var row *instanceRow
	s.mu.Lock()
	c := s.takeCachedLocked(lk.id, lk.msgs)
	s.mu.Unlock()
	if c != nil {
		// Committed by this worker, partition owned since: no reads.
		lk.cached = c
		hs = &historyState{sen: c.sen, events: c.events}
		hs.sen.consumed = slices.Clone(c.sen.consumed)
		r := c.row
		r.inst = storekit.CloneInstance(c.row.inst)
		row = &r
	} else {
		var herr, rerr error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); hs, herr = s.readHistory(ctx, lk.id) }()
		row, rerr = s.readInstance(ctx, lk.id)
		wg.Wait()
		if herr != nil {
			return nil, herr
		}
		if rerr != nil {
			return nil, rerr
		}
	}
	sen := &hs.sen
	var inst *store.Instance
	if row != nil {
		inst = row.inst
	}
	// A pending row for another execution than the history's: a client
	// replaced a finished instance; its old history is not this one's.
	replaced := row != nil && sen.exists && row.inst.Status == history.StatusPending && row.inst.ExecutionID != sen.execID
	if sen.exists && sen.instance != nil && !replaced && (row == nil || row.token != sen.token) {
		// The last commit's Instances write was lost: redo it.
		if err := s.writeInstance(ctx, sen.instance, sen.token); err != nil {
			return nil, err
		}
		inst = sen.instance
	}
	lk.hs = hs
	events := hs.events
	lk.base = len(events)
	if replaced || !sen.exists {
		events, lk.base = nil, 0
	}
	lk.events = events

	consumed := map[string]bool{}
	for _, id := range sen.consumed {
		consumed[id] = true
	}
	scheduled := map[int]bool{}
	completed := map[string]bool{}
	curExec := ""
	for _, e := range events {
		if e.EventType.IsScheduling() {
			scheduled[e.EventID] = true
		}
		switch e.EventType {
		case history.ExecutionStarted:
			if e.OrchestrationInstance != nil {
				curExec = e.OrchestrationInstance.ExecutionID
			}
		case history.TaskCompleted, history.TaskFailed, history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed:
			completed[fmt.Sprintf("t%d", e.TaskScheduledID)] = true
		case history.TimerFired:
			completed[fmt.Sprintf("f%d", e.TimerID)] = true
		}
	}
	sort.SliceStable(lk.msgs, func(i, j int) bool {
		a, b := lk.msgs[i].env.VisibleAt, lk.msgs[j].env.VisibleAt
		if !a.Equal(b) {
			return a.Before(b)
		}
		return lk.msgs[i].seq < lk.msgs[j].seq
	})
	seen := map[string]bool{}
	started := map[string]bool{}
	if curExec != "" {
		started[curExec] = true
	}
	var deliver, skipped, early []*qmsg
	for _, q := range lk.msgs {
		e := q.env.Event
		isStart := e.EventType == history.ExecutionStarted && e.OrchestrationInstance != nil
		switch {
		case consumed[q.env.ID] || seen[q.env.ID]:
			skipped = append(skipped, q)
			continue
		case isStart && started[e.OrchestrationInstance.ExecutionID]:
			// A duplicate start (a concurrent create that lost, or a
			// redelivery).
			skipped = append(skipped, q)
			continue
		case replaced && !(isStart && e.OrchestrationInstance.ExecutionID == row.inst.ExecutionID) &&
			q.env.VisibleAt.Before(row.inst.CreatedAt):
			// Queued for the execution the create replaced.
			skipped = append(skipped, q)
			continue
		case isResponse(e) && curExec != "" && q.env.ExecutionID == curExec && q.azDequeue <= 5 &&
			!scheduled[responseTo(e)] && !completed[responseKey(e)]:
			// Out of order: the commit that scheduled it has not written
			// its history yet (or crashed and will be replayed).
			early = append(early, q)
			continue
		}
		seen[q.env.ID] = true
		if isStart {
			started[e.OrchestrationInstance.ExecutionID] = true
		}
		deliver = append(deliver, q)
	}
	lk.msgs, lk.skipped = deliver, skipped
	if len(early) > 0 {
		s.abandonMsgs(ctx, early)
	}
	if len(deliver) == 0 {
		s.deleteMsgs(ctx, skipped)
		s.putCached(lk.id, lk.cached) // before the unlock: the next lock may take it
		s.unlock(lk, append(skipped, early...), 0)
		return nil, nil
	}
	if len(early) > 0 {
		s.mu.Lock()
		st := s.insts[lk.id]
		if st != nil {
			st.msgs = slices.DeleteFunc(st.msgs, func(q *qmsg) bool {
				if slices.Contains(early, q) {
					delete(s.byMsgID, q.msgID)
					return true
				}
				return false
			})
		}
		s.mu.Unlock()
	}
	wi := &store.OrchestrationWorkItem{InstanceID: lk.id, Instance: storekit.CloneInstance(inst), History: storekit.CloneEvents(events), Lock: lk}
	for _, q := range deliver {
		wi.Messages = append(wi.Messages, &store.Message{
			InstanceID: lk.id, ExecutionID: q.env.ExecutionID, Event: q.env.Event, VisibleAt: q.env.VisibleAt,
			ID: q.env.ID, DequeueCount: q.azDequeue + q.handed - 1,
		})
	}
	s.wg.Add(1)
	go s.renewOrchLock(lk)
	return wi, nil
}

func isResponse(e *history.Event) bool {
	switch e.EventType {
	case history.TaskCompleted, history.TaskFailed, history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed, history.TimerFired:
		return true
	}
	return false
}

func responseTo(e *history.Event) int {
	if e.EventType == history.TimerFired {
		return e.TimerID
	}
	return e.TaskScheduledID
}

func responseKey(e *history.Event) string {
	if e.EventType == history.TimerFired {
		return fmt.Sprintf("f%d", e.TimerID)
	}
	return fmt.Sprintf("t%d", e.TaskScheduledID)
}

// renewOrchLock keeps a work item's messages invisible while it is
// processed for longer than a third of the visibility timeout.
func (s *Store) renewOrchLock(lk *orchLock) {
	defer s.wg.Done()
	every := s.cfg.ControlQueueVisibilityTimeout / 3
	t := time.NewTicker(every)
	defer t.Stop()
	vis := visibilitySeconds(s.cfg.ControlQueueVisibilityTimeout)
	for {
		select {
		case <-lk.done:
			return
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		for _, q := range append(slices.Clone(lk.msgs), lk.skipped...) {
			if q.act != nil {
				continue // the request's own renewal holds it
			}
			s.mu.Lock()
			id, pop, raw := q.msgID, q.popReceipt, q.raw
			s.mu.Unlock()
			resp, err := s.control[q.part].UpdateMessage(s.ctx, id, pop, raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(vis)})
			if err == nil && resp.PopReceipt != nil {
				s.mu.Lock()
				q.popReceipt = *resp.PopReceipt
				s.mu.Unlock()
			}
		}
	}
}

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
