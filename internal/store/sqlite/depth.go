package sqlite

import (
	"context"
	"fmt"

	"github.com/godurable/durablefunctions/internal/store"
)

var _ store.QueueDepther = (*Store)(nil)

// depthSQL counts the messages due now, by kind. The messages table holds
// only messages not yet consumed, so this reads the queue, not the
// instances; a message of a work item being processed is still in it and
// counts until the work item's commit deletes it.
const (
	depthMessagesSQL = `SELECT substr(instance_id, 1, 1) = '@', COUNT(*), COUNT(DISTINCT instance_id), MIN(due_at)
FROM messages WHERE visible_at <= ? GROUP BY 1`
	depthActivitiesSQL = `SELECT COUNT(*), MIN(visible_at) FROM activities WHERE visible_at <= ?`
)

// QueueDepth counts the orchestration messages, entity messages and
// activity requests that are due now (durable timers and scheduled
// messages not due yet do not count), from the reader pool.
func (s *Store) QueueDepth(ctx context.Context) (out []store.QueueDepth, err error) {
	defer func() {
		if err != nil && s.closed() {
			out, err = nil, fmt.Errorf("sqlite store: queue depth: %w", store.ErrClosed)
		}
	}()
	if s.closed() {
		return nil, store.ErrClosed
	}
	now := toNanos(s.clock.Now())
	out = []store.QueueDepth{
		{Queue: store.QueueOrchestrations},
		{Queue: store.QueueEntities},
		{Queue: store.QueueActivities, Instances: store.Unknown},
	}
	rows, err := s.rdb.QueryContext(ctx, depthMessagesSQL, now)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: queue depth: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var entity bool
		var n, instances, oldest int64
		if err := rows.Scan(&entity, &n, &instances, &oldest); err != nil {
			return nil, fmt.Errorf("sqlite store: queue depth: %w", err)
		}
		d := &out[0]
		if entity {
			d = &out[1]
		}
		d.Messages, d.Instances, d.Oldest = n, instances, fromNanos(oldest)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: queue depth: %w", err)
	}
	var oldest *int64
	a := &out[2]
	if err := s.rdb.QueryRowContext(ctx, depthActivitiesSQL, now).Scan(&a.Messages, &oldest); err != nil {
		return nil, fmt.Errorf("sqlite store: queue depth: %w", err)
	}
	if oldest != nil {
		a.Oldest = fromNanos(*oldest)
	}
	return out, nil
}

// closed reports whether Close has begun: a reading that fails then is
// no error of the store's, only the end of its queues.
func (s *Store) closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.Closed()
}
