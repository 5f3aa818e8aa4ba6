package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/godurable/durablefunctions/internal/store"
)

var _ store.QueueDepther = (*Store)(nil)

// QueueDepth reads, for every partition, the sorted sets the store keeps
// for its dispatchers: ready:o and ready:e (unlocked instances with
// messages, scored by their earliest visibility) and acts (activity
// requests, scored by when they are visible). Two commands per set, in one
// pipeline: ZCOUNT of what is due now and the lowest score. A message
// count per instance would need one command per instance, so orchestration
// and entity Messages are Unknown; Instances is the ready instances, which
// is what a dispatcher has to take. Instances locked by a work item in
// progress are not in a ready set and do not count.
func (s *Store) QueueDepth(ctx context.Context) ([]store.QueueDepth, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	now := s.clock.Now()
	nowMs := strconv.FormatInt(now.UnixMilli(), 10)
	type read struct {
		count *goredis.IntCmd
		first *goredis.ZSliceCmd
	}
	sets := []struct {
		queue store.Queue
		key   func(p int) string
	}{
		{store.QueueOrchestrations, func(p int) string { return s.k.prefix(p) + "ready:o" }},
		{store.QueueEntities, func(p int) string { return s.k.prefix(p) + "ready:e" }},
		{store.QueueActivities, s.k.acts},
	}
	reads := make([][]read, len(sets))
	pipe := s.rdb.Pipeline()
	for i, set := range sets {
		for p := range s.k.parts {
			key := set.key(p)
			reads[i] = append(reads[i], read{
				count: pipe.ZCount(ctx, key, "-inf", nowMs),
				first: pipe.ZRangeWithScores(ctx, key, 0, 0),
			})
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		if s.closed.Load() {
			err = store.ErrClosed
		}
		return nil, fmt.Errorf("redis store: queue depth: %w", err)
	}
	out := make([]store.QueueDepth, len(sets))
	for i, set := range sets {
		d := store.QueueDepth{Queue: set.queue, Messages: store.Unknown}
		var n int64
		for _, r := range reads[i] {
			n += r.count.Val()
			first := r.first.Val()
			if len(first) == 0 {
				continue
			}
			at := time.UnixMilli(int64(first[0].Score)).UTC()
			if !at.After(now) && (d.Oldest.IsZero() || at.Before(d.Oldest)) {
				d.Oldest = at
			}
		}
		if set.queue == store.QueueActivities {
			d.Messages, d.Instances = n, store.Unknown
		} else {
			d.Instances = n
		}
		out[i] = d
	}
	return out, nil
}
