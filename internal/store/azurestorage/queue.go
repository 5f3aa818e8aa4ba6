package azurestorage

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// holdThreshold: a message that surfaces (or is abandoned) due within
// this time is held in memory rather than put back on the queue with a
// visibility delay. With a virtual clock every delay is held in memory.
func (s *Store) holdThreshold() time.Duration {
	if s.virtual {
		return 1<<63 - 1
	}
	return 30 * time.Second
}

// enqueue sends env to q (a control queue when part >= 0, else the
// work-item queue), offloading a large envelope to a blob first. It
// returns the queue message id and pop receipt.
func (s *Store) enqueue(ctx context.Context, part int, env *envelope) (string, string, error) {
	var delay int32
	if !s.virtual {
		delay = visibilitySeconds(env.VisibleAt.Sub(s.clock.Now()))
	}
	q := s.workItems
	if part >= 0 {
		q = s.control[part]
	}
	// In-process delivery (local.go): the message is enqueued already
	// locked and kept in this process's buffer, as if dequeued. Deliveries
	// counts the delivery the queue's DequeueCount will not.
	local := s.localDelivery(ctx, part, delay)
	vis := delay
	if local != notLocal {
		env.Deliveries = 1
		vis = visibilitySeconds(s.lockTimeout(part))
	}
	text, err := s.encodeForQueue(ctx, env)
	var resp azqueue.EnqueueMessagesResponse
	if err == nil {
		resp, err = q.EnqueueMessage(ctx, text, &azqueue.EnqueueMessageOptions{TimeToLive: to.Ptr(int32(-1)), VisibilityTimeout: to.Ptr(vis)})
	}
	if err != nil {
		if local == claimedSlot {
			s.unclaimActivity()
		}
		return "", "", err
	}
	var id, pop string
	if len(resp.Messages) > 0 && resp.Messages[0] != nil {
		id, pop = deref(resp.Messages[0].MessageID), deref(resp.Messages[0].PopReceipt)
	}
	switch {
	case local == notLocal:
	case id == "" || pop == "":
		// No receipt to hold it by: let it surface when its lock lapses.
		if local == claimedSlot {
			s.unclaimActivity()
		}
	case s.keepLocal(local, part, id, pop, text, env):
		return id, pop, nil
	default:
		// Not kept after all (the partition was dropped or the store
		// closed meanwhile): make it visible.
		if u, err := q.UpdateMessage(ctx, id, pop, text, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(int32(0))}); err == nil && u.PopReceipt != nil {
			pop = *u.PopReceipt
		}
	}
	if delay == 0 {
		s.announce(ctx, part)
	}
	return id, pop, nil
}

// encodeForQueue encodes env, storing a large one in a blob first.
func (s *Store) encodeForQueue(ctx context.Context, env *envelope) (string, error) {
	text, blobName, gz, err := encodeEnvelope(env)
	if err != nil {
		return "", err
	}
	if blobName != "" {
		if err := s.putBlob(ctx, blobName, gz); err != nil {
			return "", fmt.Errorf("store large message: %w", err)
		}
	}
	return text, nil
}

// lockTimeout is the visibility timeout of a locked message of queue part.
func (s *Store) lockTimeout(part int) time.Duration {
	if part >= 0 {
		return s.cfg.ControlQueueVisibilityTimeout
	}
	return s.cfg.WorkItemQueueVisibilityTimeout
}

// announce tells this process's pollers that a visible message was queued.
func (s *Store) announce(ctx context.Context, part int) {
	if part >= 0 && s.parts != nil {
		s.mu.Lock()
		s.parts[part].enqSeq++
		s.mu.Unlock()
	}
	if part >= 0 || ctx.Value(noWakeKey{}) == nil {
		s.wakeQueue(part)
	}
}

// canAdopt reports whether a message due now for control queue part may
// be enqueued locked and buffered at once (see enqueue).
func (s *Store) canAdopt(part int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.canAdoptLocked(part)
}

// canAdoptLocked is canAdopt for callers that hold mu.
func (s *Store) canAdoptLocked(part int) bool {
	return !s.closed.Load() && s.parts != nil && part < len(s.parts) && s.parts[part].owned && len(s.byMsgID) < 1000*len(s.parts)
}

// wakeQueue makes this process's poller of a queue poll now.
func (s *Store) wakeQueue(part int) {
	var ch chan struct{}
	if part == -2 {
		return
	}
	if part < 0 {
		ch = s.actWake
	} else if part < len(s.parts) && s.parts != nil {
		ch = s.parts[part].wake
	}
	if ch == nil {
		return
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

// messageEnvelope makes the envelope for an instance message.
func (s *Store) messageEnvelope(m *store.Message, now time.Time) *envelope {
	return &envelope{ID: newID(), InstanceID: m.InstanceID, ExecutionID: m.ExecutionID,
		VisibleAt: storekit.Visible(m.VisibleAt, now), Event: m.Event}
}

// sendAll enqueues envelopes in parallel (at most 16 at a time).
func (s *Store) sendAll(ctx context.Context, items []sendItem) error {
	if len(items) == 0 {
		return nil
	}
	if len(items) == 1 {
		_, _, err := s.enqueue(ctx, items[0].part, items[0].env)
		return err
	}
	// The activity poller is woken once, after the whole burst, so that it
	// reads the requests in a few full batches rather than as they trickle
	// in.
	actCtx := context.WithValue(ctx, noWakeKey{}, true)
	defer s.wakeQueue(-1)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for _, it := range items {
		wg.Add(1)
		sem <- struct{}{}
		go func(it sendItem) {
			defer wg.Done()
			defer func() { <-sem }()
			ictx := ctx
			if it.part < 0 {
				ictx = actCtx
			}
			if _, _, err := s.enqueue(ictx, it.part, it.env); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}(it)
	}
	wg.Wait()
	return first
}

// noWakeKey in an enqueue's context: do not wake the activity poller
// (the caller will).
type noWakeKey struct{}

type sendItem struct {
	part int
	env  *envelope
}

// SendMessages queues msgs on their instances' control queues.
func (s *Store) SendMessages(ctx context.Context, msgs ...store.Message) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if err := storekit.ValidateMessages(msgs); err != nil {
		return err
	}
	now := s.clock.Now()
	items := make([]sendItem, len(msgs))
	for i := range msgs {
		items[i] = sendItem{PartitionIndex(msgs[i].InstanceID, s.cfg.PartitionCount), s.messageEnvelope(&msgs[i], now)}
	}
	if err := s.sendAll(ctx, items); err != nil {
		return fmt.Errorf("azurestorage: send messages: %w", err)
	}
	return nil
}

// resolve downloads a stub's full envelope.
func (s *Store) resolve(ctx context.Context, env *envelope) (*envelope, error) {
	if env.Blob == "" {
		return env, nil
	}
	gz, err := s.getBlob(ctx, env.Blob)
	if err != nil {
		return nil, err
	}
	full, err := decodeLarge(gz)
	if err != nil {
		return nil, err
	}
	full.Blob = env.Blob
	return full, nil
}

// undecodable handles a queue message that cannot be decoded: back off,
// and past MaxDequeueCount move it to the poison queue.
func (s *Store) undecodable(ctx context.Context, q *azqueue.QueueClient, m *azqueue.DequeuedMessage, cause error) {
	n := int(deref64(m.DequeueCount))
	if n >= s.cfg.MaxDequeueCount {
		s.log.Error("azurestorage: moving undecodable message to the poison queue", "queue", q.URL(), "id", deref(m.MessageID), "dequeueCount", n, "err", cause)
		if _, err := s.poison.EnqueueMessage(ctx, deref(m.MessageText), &azqueue.EnqueueMessageOptions{TimeToLive: to.Ptr(int32(-1))}); err == nil {
			_, _ = q.DeleteMessage(ctx, deref(m.MessageID), deref(m.PopReceipt), nil)
		}
		return
	}
	s.log.Warn("azurestorage: cannot decode queue message; will retry", "queue", q.URL(), "id", deref(m.MessageID), "dequeueCount", n, "err", cause)
	_, _ = q.UpdateMessage(ctx, deref(m.MessageID), deref(m.PopReceipt), deref(m.MessageText),
		&azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(visibilitySeconds(retryBackoff(n)))})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// sleepCtx waits d, a wake signal, or ctx.
func sleepCtx(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}
