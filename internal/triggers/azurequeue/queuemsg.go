package azurequeue

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue/queueerror"

	"github.com/godurable/durablefunctions/bindings"
)

// PoisonQueueName is the queue that takes name's failed messages, or ""
// when it has none (as in the host: a name that already ends in -poison,
// or that the suffix would make longer than 63 characters).
func PoisonQueueName(name string) string {
	const suffix = "-poison"
	if strings.HasSuffix(name, suffix) || len(name)+len(suffix) > 63 {
		return ""
	}
	return name + suffix
}

// process runs the function for one dequeued message and completes it as
// the host's queue processor does.
func (q *Queue) process(ctx context.Context, m *azqueue.DequeuedMessage) {
	raw := deref(m.MessageText)
	msg := &bindings.QueueMessage{ID: deref(m.MessageID), PopReceipt: deref(m.PopReceipt), DequeueCount: derefInt(m.DequeueCount),
		InsertionTime: derefTime(m.InsertionTime), ExpirationTime: derefTime(m.ExpirationTime), NextVisibleTime: derefTime(m.TimeNextVisible)}
	l := &lease{q: q, id: msg.ID, pop: msg.PopReceipt, raw: raw}
	if msg.DequeueCount > int64(q.Options.MaxDequeueCount) {
		q.poison(ctx, l, "it was dequeued more than maxDequeueCount times")
		return
	}
	text, err := q.decode(raw)
	if err != nil {
		q.poison(ctx, l, fmt.Sprintf("it is not base64 (%v); for plain-text messages set extensions.queues.messageEncoding to \"none\" in host.json", err))
		return
	}
	msg.Text = text
	stop := l.keep(ctx)
	err = q.Invoke(ctx, msg)
	stop()
	switch {
	case err == nil:
		l.delete(ctx)
	case q.Poison == nil:
		q.Logger.Error("queue: the function failed; the queue has no poison queue, so the message stays invisible until its lease ends",
			"function", q.Name, "messageId", msg.ID, "error", err)
	case msg.DequeueCount >= int64(q.Options.MaxDequeueCount):
		q.Logger.Error("queue: the function failed", "function", q.Name, "messageId", msg.ID, "dequeueCount", msg.DequeueCount, "error", err)
		q.poison(ctx, l, fmt.Sprintf("it has reached maxDequeueCount (%d)", q.Options.MaxDequeueCount))
	default:
		q.Logger.Error("queue: the function failed; the message will be retried", "function", q.Name, "messageId", msg.ID,
			"dequeueCount", msg.DequeueCount, "retryIn", q.Options.VisibilityTimeout, "error", err)
		l.release(ctx, q.Options.VisibilityTimeout)
	}
}

func (q *Queue) decode(raw string) (string, error) {
	if !q.Options.Base64 {
		return raw, nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(raw))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// poison copies the message to the poison queue (creating it if needed)
// and deletes it from its queue.
func (q *Queue) poison(ctx context.Context, l *lease, why string) {
	if q.Poison == nil {
		q.Logger.Warn("queue: a message is poison but the queue has no poison queue", "function", q.Name, "messageId", l.id, "reason", why)
		return
	}
	q.Logger.Warn("queue: moving a message to the poison queue", "function", q.Name, "messageId", l.id, "reason", why)
	_, err := q.Poison.EnqueueMessage(ctx, l.raw, nil)
	if queueerror.HasCode(err, queueerror.QueueNotFound) {
		if _, cerr := q.Poison.Create(ctx, nil); cerr == nil || queueerror.HasCode(cerr, queueerror.QueueAlreadyExists) {
			_, err = q.Poison.EnqueueMessage(ctx, l.raw, nil)
		}
	}
	if err != nil {
		q.Logger.Error("queue: the poison queue did not take the message; it will come back", "function", q.Name, "messageId", l.id, "error", err)
		return
	}
	l.delete(ctx)
}

// lease is a dequeued message this process holds: its pop receipt changes
// with each renewal.
type lease struct {
	q       *Queue
	id, raw string
	mu      sync.Mutex
	pop     string
}

func (l *lease) receipt() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pop
}

// keep renews the message's invisibility at half the lease while the
// function runs; the returned func stops it.
func (l *lease) keep(ctx context.Context) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-l.q.Clock.After(l.q.Options.Lease / 2):
			}
			resp, err := l.q.Client.UpdateMessage(ctx, l.id, l.receipt(), l.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(seconds(l.q.Options.Lease))})
			if err != nil {
				l.q.Logger.Warn("queue: renewing a message's lease failed", "function", l.q.Name, "messageId", l.id, "error", err)
				continue
			}
			l.mu.Lock()
			l.pop = deref(resp.PopReceipt)
			l.mu.Unlock()
		}
	}()
	return func() { close(done); <-stopped }
}

func (l *lease) delete(ctx context.Context) {
	if _, err := l.q.Client.DeleteMessage(ctx, l.id, l.receipt(), nil); err != nil && !gone(err) {
		l.q.Logger.Warn("queue: deleting a processed message failed; it may run again", "function", l.q.Name, "messageId", l.id, "error", err)
	}
}

// release makes a failed message visible again after d.
func (l *lease) release(ctx context.Context, d time.Duration) {
	_, err := l.q.Client.UpdateMessage(ctx, l.id, l.receipt(), l.raw, &azqueue.UpdateMessageOptions{VisibilityTimeout: to.Ptr(seconds(d))})
	if err != nil && !gone(err) {
		l.q.Logger.Warn("queue: releasing a failed message failed; it comes back when its lease ends", "function", l.q.Name, "messageId", l.id, "error", err)
	}
}

// gone: another process took the message over, or it no longer exists.
func gone(err error) bool {
	return queueerror.HasCode(err, queueerror.PopReceiptMismatch, queueerror.MessageNotFound, queueerror.QueueNotFound)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
