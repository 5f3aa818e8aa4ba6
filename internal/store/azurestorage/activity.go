package azurestorage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// actMsg is a dequeued work-item (activity) message.
type actMsg struct {
	msgID      string
	popReceipt string // guarded by Store.mu
	raw        string
	env        *envelope
	azDequeue  int
	handed     int
	notBefore  time.Time
	locked     time.Time     // guarded by Store.mu; when its visibility was last set (buffered ones)
	done       chan struct{} // guarded by Store.mu; closed to stop renewing
}

// stopAct stops renewing a's lock.
func (s *Store) stopAct(a *actMsg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.done != nil {
		close(a.done)
		a.done = nil
	}
}

// activityPoller dequeues work-item messages while Next callers wait for
// more than are buffered (all workers compete on the one queue). It reads
// ahead by one message per activity in flight, so that a dispatcher slot
// that frees up finds its next request buffered: a burst of activities
// then costs one dequeue per batch of up to 32 rather than one per
// activity. Buffered requests keep their lock (visibility) renewed.
func (s *Store) activityPoller() {
	defer s.wg.Done()
	ctx := s.ctx
	bo := backoff{max: s.cfg.MaxQueuePollingInterval}
	vis := visibilitySeconds(s.cfg.WorkItemQueueVisibilityTimeout)
	errLogged := time.Time{}
	for ctx.Err() == nil {
		s.renewBufferedActs(ctx, vis)
		s.mu.Lock()
		need := s.actWaiters - len(s.acts)
		if s.actWaiters > 0 {
			need += len(s.actFlight)
		}
		s.mu.Unlock()
		if need <= 0 {
			sleepCtx(ctx, time.Second, s.actWake)
			continue
		}
		resp, err := s.workItems.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{
			NumberOfMessages: to.Ptr(int32(min(need, 32))), VisibilityTimeout: to.Ptr(vis)})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if time.Since(errLogged) > 10*time.Second {
				s.log.Warn("azurestorage: work-item queue poll failed", "err", err)
				errLogged = time.Now()
			}
			sleepCtx(ctx, bo.next(), nil)
			continue
		}
		if len(resp.Messages) == 0 {
			sleepCtx(ctx, bo.next(), s.actWake)
			continue
		}
		bo.reset()
		now := s.clock.Now()
		var got []*actMsg
		for _, m := range resp.Messages {
			if m == nil || m.MessageID == nil {
				continue
			}
			env, err := decodeEnvelope(deref(m.MessageText))
			if err == nil {
				env, err = s.resolve(ctx, env)
				if err != nil && isCode(err, 404) {
					_, _ = s.workItems.DeleteMessage(ctx, *m.MessageID, deref(m.PopReceipt), nil)
					continue
				}
			}
			if err == nil && (env.Event == nil || env.Event.EventType != history.TaskScheduled) {
				err = fmt.Errorf("work-item message carries %v, want TaskScheduled", env.Event.EventType)
			}
			if err != nil {
				s.undecodable(ctx, s.workItems, m, err)
				continue
			}
			a := &actMsg{msgID: *m.MessageID, popReceipt: deref(m.PopReceipt), raw: deref(m.MessageText), env: env, azDequeue: int(deref64(m.DequeueCount)) + env.Deliveries, locked: time.Now()}
			if env.VisibleAt.After(now) && s.virtual {
				a.notBefore = env.VisibleAt
			}
			got = append(got, a)
		}
		s.mu.Lock()
		for _, a := range got {
			// The same message seen again (its visibility lapsed while
			// buffered): keep the newest receipt only.
			if i := slices.IndexFunc(s.acts, func(b *actMsg) bool { return b.msgID == a.msgID }); i >= 0 {
				s.acts[i].popReceipt, s.acts[i].azDequeue, s.acts[i].locked = a.popReceipt, a.azDequeue, a.locked
				continue
			}
			s.acts = append(s.acts, a)
			if !a.notBefore.IsZero() {
				s.wakeActAt(a.notBefore)
			}
		}
		close(s.actNotify)
		s.actNotify = make(chan struct{})
		s.mu.Unlock()
	}
}

// renewBufferedActs extends the visibility of buffered (read-ahead)
// requests that have waited for a third of it.
func (s *Store) renewBufferedActs(ctx context.Context, vis int32) {
	every := s.cfg.WorkItemQueueVisibilityTimeout / 3
	s.mu.Lock()
	var due []*actMsg
	for _, a := range s.acts {
		if time.Since(a.locked) >= every {
			due = append(due, a)
		}
	}
	s.mu.Unlock()
	for _, a := range due {
		s.mu.Lock()
		pop := a.popReceipt
		s.mu.Unlock()
		resp, err := s.workItems.UpdateMessage(ctx, a.msgID, pop, a.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(vis)})
		s.mu.Lock()
		if err == nil && resp.PopReceipt != nil && a.popReceipt == pop {
			a.popReceipt, a.locked = *resp.PopReceipt, time.Now()
		} else if err != nil && isCode(err, 404) {
			// Gone (its lock lapsed and another worker took it).
			s.acts = slices.DeleteFunc(s.acts, func(b *actMsg) bool { return b == a })
		} else if err != nil {
			a.locked = time.Now() // retry after another third
		}
		s.mu.Unlock()
	}
}

// wakeActAt wakes activity waiters when the clock reaches t. Callers
// hold mu.
func (s *Store) wakeActAt(t time.Time) {
	ch := s.clock.After(t.Sub(s.clock.Now()))
	go func() {
		select {
		case <-ch:
			s.mu.Lock()
			close(s.actNotify)
			s.actNotify = make(chan struct{})
			s.mu.Unlock()
		case <-s.ctx.Done():
		}
	}()
}

// NextActivityWorkItem blocks until an activity request is visible and
// locks it (the queue message's visibility, renewed while it runs).
func (s *Store) NextActivityWorkItem(ctx context.Context) (*store.ActivityWorkItem, error) {
	s.mu.Lock()
	s.actWaiters++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.actWaiters--
		s.mu.Unlock()
	}()
	select {
	case s.actWake <- struct{}{}:
	default:
	}
	for {
		if err := s.checkOpen(); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.mu.Lock()
		now := s.clock.Now()
		i := slices.IndexFunc(s.acts, func(a *actMsg) bool { return !a.notBefore.After(now) })
		if i >= 0 {
			a := s.acts[i]
			s.acts = slices.Delete(s.acts, i, i+1)
			a.handed++
			done := make(chan struct{})
			a.done = done
			s.actFlight[a] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go s.renewActivity(a, done)
			return &store.ActivityWorkItem{
				InstanceID: a.env.InstanceID, ExecutionID: a.env.ExecutionID, Event: a.env.Event,
				DequeueCount: a.azDequeue + a.handed - 1, Lock: a,
			}, nil
		}
		ch := s.actNotify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *Store) renewActivity(a *actMsg, done <-chan struct{}) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.WorkItemQueueVisibilityTimeout / 3)
	defer t.Stop()
	vis := visibilitySeconds(s.cfg.WorkItemQueueVisibilityTimeout)
	for {
		select {
		case <-done:
			return
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		pop := a.popReceipt
		s.mu.Unlock()
		resp, err := s.workItems.UpdateMessage(s.ctx, a.msgID, pop, a.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(vis)})
		if err == nil && resp.PopReceipt != nil {
			s.mu.Lock()
			a.popReceipt = *resp.PopReceipt
			s.mu.Unlock()
		}
	}
}

func (s *Store) activityLock(wi *store.ActivityWorkItem, op string) (*actMsg, error) {
	a, ok := wi.Lock.(*actMsg)
	if !ok || a == nil {
		return nil, fmt.Errorf("azurestorage: %s: activity work item has no lock of this store: %w", op, store.ErrWorkItemLost)
	}
	s.mu.Lock()
	_, held := s.actFlight[a]
	s.mu.Unlock()
	if !held {
		return nil, fmt.Errorf("azurestorage: %s for %q: %w", op, wi.InstanceID, store.ErrWorkItemLost)
	}
	return a, nil
}

// CompleteActivityWorkItem queues the result on the orchestration's
// control queue, then deletes the request. If the request's lock was lost
// (another worker took it) the result is still sent, as the activity ran;
// the orchestration ignores the duplicate, and ErrWorkItemLost is
// returned.
func (s *Store) CompleteActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if result == nil {
		return fmt.Errorf("azurestorage: complete activity for %q: nil result", wi.InstanceID)
	}
	a, err := s.activityLock(wi, "complete activity")
	if err != nil {
		return err
	}
	env := &envelope{ID: newID(), InstanceID: wi.InstanceID, ExecutionID: wi.ExecutionID, VisibleAt: s.clock.Now(), Event: result}
	part := PartitionIndex(wi.InstanceID, s.cfg.PartitionCount)
	if s.deliverResult(part, a, env) {
		return nil
	}
	if _, _, err := s.enqueue(ctx, part, env); err != nil {
		return fmt.Errorf("azurestorage: complete activity for %q: %w", wi.InstanceID, err)
	}
	s.stopAct(a)
	s.mu.Lock()
	pop := a.popReceipt
	delete(s.actFlight, a)
	s.mu.Unlock()
	if _, err := s.workItems.DeleteMessage(ctx, a.msgID, pop, nil); err != nil {
		if isCode(err, 404) {
			return fmt.Errorf("azurestorage: complete activity for %q: %w", wi.InstanceID, store.ErrWorkItemLost)
		}
		s.log.Warn("azurestorage: deleting a completed activity request failed (it may run again)", "instance", wi.InstanceID, "err", err)
	}
	return nil
}

// AbandonActivityWorkItem makes the request visible again after
// retryAfter (<= 0: the exponential back-off).
func (s *Store) AbandonActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, retryAfter time.Duration) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	a, err := s.activityLock(wi, "abandon activity")
	if err != nil {
		return err
	}
	if retryAfter <= 0 && !s.virtual {
		retryAfter = retryBackoff(a.azDequeue + a.handed - 1)
	}
	s.stopAct(a)
	s.mu.Lock()
	delete(s.actFlight, a)
	if retryAfter <= s.holdThreshold() {
		if retryAfter > 0 {
			a.notBefore = s.clock.Now().Add(retryAfter)
			s.wakeActAt(a.notBefore)
		} else {
			a.notBefore = time.Time{}
		}
		s.acts = append(s.acts, a)
		close(s.actNotify)
		s.actNotify = make(chan struct{})
		s.mu.Unlock()
		return nil
	}
	pop := a.popReceipt
	s.mu.Unlock()
	if _, err := s.workItems.UpdateMessage(ctx, a.msgID, pop, a.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(visibilitySeconds(retryAfter))}); err != nil {
		if isCode(err, 404) {
			return fmt.Errorf("azurestorage: abandon activity for %q: %w", wi.InstanceID, store.ErrWorkItemLost)
		}
		return err
	}
	return nil
}
