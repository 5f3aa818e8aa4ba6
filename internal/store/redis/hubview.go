package redis

import (
	"context"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/godurable/durablefunctions/internal/history"
)

// HubView is what a hub's keys say without joining it as a worker: who
// holds each partition's lease and how many orchestrations are in each
// status. Tests and tools read it.
type HubView struct {
	Holders []string // per partition: the lease holder's worker id, "" when free
	Counts  map[history.RuntimeStatus]int
}

// ReadHub reads a hub's view with c (a client from Connect).
func ReadHub(ctx context.Context, c goredis.UniversalClient, hub string) (*HubView, error) {
	n, err := c.HGet(ctx, newKeys(hub, 1).meta(), "partitions").Int()
	if err != nil {
		return nil, fmt.Errorf("redis store: hub %s: %w", hub, err)
	}
	k := newKeys(hub, n)
	statuses := []history.RuntimeStatus{history.StatusRunning, history.StatusCompleted, history.StatusContinuedAsNew,
		history.StatusFailed, history.StatusCanceled, history.StatusTerminated, history.StatusPending, history.StatusSuspended}
	pipe := c.Pipeline()
	leases := make([]*goredis.StringCmd, n)
	counts := map[history.RuntimeStatus][]*goredis.IntCmd{}
	for p := 0; p < n; p++ {
		leases[p] = pipe.Get(ctx, k.lease(p))
		for _, st := range statuses {
			counts[st] = append(counts[st], pipe.ZCard(ctx, k.index(p, "o", int(st))))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil {
		return nil, err
	}
	v := &HubView{Holders: make([]string, n), Counts: map[history.RuntimeStatus]int{}}
	for p, l := range leases {
		v.Holders[p], _, _ = strings.Cut(l.Val(), "|")
	}
	for st, cmds := range counts {
		for _, c := range cmds {
			v.Counts[st] += int(c.Val())
		}
	}
	return v, nil
}

// LockedInstances lists the instances of hub that are locked in a work
// item (by any worker).
func LockedInstances(ctx context.Context, c goredis.UniversalClient, hub string) ([]string, error) {
	n, err := c.HGet(ctx, newKeys(hub, 1).meta(), "partitions").Int()
	if err != nil {
		return nil, fmt.Errorf("redis store: hub %s: %w", hub, err)
	}
	k := newKeys(hub, n)
	var out []string
	for p := 0; p < n; p++ {
		ids, err := c.HKeys(ctx, k.locked(p)).Result()
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// DescribeInstance summarizes what the hub holds for an instance (row
// status, lock, ready score, queued messages and their visibility,
// history length), for failure reports.
func DescribeInstance(ctx context.Context, c goredis.UniversalClient, hub, id string) string {
	n, err := c.HGet(ctx, newKeys(hub, 1).meta(), "partitions").Int()
	if err != nil {
		return err.Error()
	}
	k := newKeys(hub, n)
	p := k.partition(id)
	pre := k.prefix(p)
	pipe := c.Pipeline()
	st := pipe.HGet(ctx, k.row(p, id), "st")
	lock := pipe.HGet(ctx, k.locked(p), id)
	ready := pipe.ZScore(ctx, pre+"ready:"+kindCode(id), id)
	q := pipe.ZRangeWithScores(ctx, pre+"q:"+id, 0, -1)
	b := pipe.HGetAll(ctx, pre+"b:"+id)
	h := pipe.LRange(ctx, k.hist(p, id), 0, -1)
	lease := pipe.Get(ctx, k.lease(p))
	_, _ = pipe.Exec(ctx)
	return fmt.Sprintf("instance %s: partition %d (lease %q) status %q lock %q ready %v queue %v bodies %v history %v",
		id, p, lease.Val(), st.Val(), lock.Val(), ready.Val(), q.Val(), b.Val(), h.Val())
}
