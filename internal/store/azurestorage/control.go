package azurestorage

import (
	"context"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
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
