package azurestorage

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/store"
)

var _ store.QueueDepther = (*Store)(nil)

// QueueDepth reads the task hub's queues' properties: the approximate
// message count the Queue service keeps for each control queue (summed:
// orchestration and entity messages share them, so the queue is
// QueueControl) and for the work-item queue (activity requests). The
// count includes messages not visible yet (durable timers, scheduled
// starts, messages a worker has dequeued and not yet deleted), as the
// service counts them. Oldest is the insertion time of the first visible
// message of each queue (a peek, which does not change the message); the
// Queue service is only approximately FIFO, so it is a close bound. A
// partition's owner fetches control-queue messages ahead into its own
// buffer, where a peek cannot see them: for the control queues Oldest is
// the oldest message no worker has fetched yet, zero when all are.
// Instances is Unknown: the queues do not group messages by instance.
func (s *Store) QueueDepth(ctx context.Context) ([]store.QueueDepth, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	control := store.QueueDepth{Queue: store.QueueControl, Instances: store.Unknown}
	for _, q := range s.control {
		if err := addQueueDepth(ctx, q, &control); err != nil {
			return nil, err
		}
	}
	acts := store.QueueDepth{Queue: store.QueueActivities, Instances: store.Unknown}
	if err := addQueueDepth(ctx, s.workItems, &acts); err != nil {
		return nil, err
	}
	return []store.QueueDepth{control, acts}, nil
}

// addQueueDepth adds q's approximate count to d and lowers d.Oldest to
// its first visible message's insertion time.
func addQueueDepth(ctx context.Context, q *azqueue.QueueClient, d *store.QueueDepth) error {
	props, err := q.GetProperties(ctx, nil)
	if err != nil {
		return fmt.Errorf("azure storage store: queue depth: %w", err)
	}
	if props.ApproximateMessagesCount != nil {
		d.Messages += int64(*props.ApproximateMessagesCount)
	}
	peek, err := q.PeekMessages(ctx, &azqueue.PeekMessagesOptions{NumberOfMessages: to.Ptr(int32(1))})
	if err != nil {
		return fmt.Errorf("azure storage store: queue depth: %w", err)
	}
	for _, m := range peek.Messages {
		if m.InsertionTime == nil {
			continue
		}
		at := m.InsertionTime.UTC()
		if d.Oldest.IsZero() || at.Before(d.Oldest) {
			d.Oldest = at
		}
	}
	return nil
}
