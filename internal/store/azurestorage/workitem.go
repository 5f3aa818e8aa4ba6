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
		case isStart && row != nil && row.inst.Status == history.StatusPending &&
			row.inst.ExecutionID != e.OrchestrationInstance.ExecutionID:
			// The start of a create that lost the race for the row: a
			// Pending row only ever holds the execution whose create won,
			// and that create may already have told its caller so.
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
