package redis

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Partition ownership. A worker takes orchestration and entity work only
// from partitions whose lease it holds. Workers announce themselves in
// the hub's workers set (scored by when their announcement expires); each
// balancing pass counts the live workers W, takes free leases up to its
// fair share ceil(partitions/W), and gives back partitions above that
// share so that a worker that joins finds free ones. A crashed worker's
// leases expire after LeaseDuration and are taken by the others; taking
// a lease gives back the instances the crashed worker had locked.

// partition is this worker's view of one partition's lease.
type partition struct {
	owned    bool
	value    string // "worker|epoch" while owned
	inflight int    // orchestration work items held
	draining bool   // being given back: no new work items
}

// owned returns the partitions this worker holds and is not giving back.
func (s *Store) owned() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for i, p := range s.parts {
		if p.owned && !p.draining {
			out = append(out, i)
		}
	}
	return out
}

// owns reports whether this worker holds partition p.
func (s *Store) owns(p int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.parts[p].owned
}

func (s *Store) leaseLoop() {
	renew := time.NewTicker(s.cfg.LeaseRenewInterval)
	bal := time.NewTicker(s.cfg.BalanceInterval)
	defer renew.Stop()
	defer bal.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-renew.C:
			s.renewAll(s.ctx)
		case <-bal.C:
			s.balance(s.ctx)
		}
	}
}

// announce refreshes this worker in the workers set and returns how many
// workers are live.
func (s *Store) announce(ctx context.Context) (int, error) {
	now := time.Now().UnixMilli()
	ttl := 3*s.cfg.BalanceInterval + s.cfg.LeaseDuration
	pipe := s.rdb.Pipeline()
	pipe.ZAdd(ctx, s.k.workers(), goredis.Z{Score: float64(now + ttl.Milliseconds()), Member: s.cfg.WorkerID})
	pipe.ZRemRangeByScore(ctx, s.k.workers(), "-inf", strconv.FormatInt(now, 10))
	count := pipe.ZCard(ctx, s.k.workers())
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return int(count.Val()), nil
}

// join makes this store a worker: at the first call it announces itself
// and takes its share of the partitions at once, and balancing passes run
// from then on.
func (s *Store) join(ctx context.Context) {
	if s.joined.CompareAndSwap(false, true) {
		s.balance(ctx)
		close(s.joinDone)
	}
}

// Join makes this store a worker now and returns once it has taken its
// share of the partitions (at most joinWait, or until ctx ends). A runtime
// that calls it from its Start begins with its partitions held: its first
// starts can run inline at once, where a join begun by the first fetch
// runs its round trips behind a burst of starts made right after Start
// (8–14 ms of a 150 ms benchmark run on the 2-core development machine).
func (s *Store) Join(ctx context.Context) {
	s.join(s.ctx) // the store's context: the caller's may end mid-pass
	s.awaitJoin(ctx)
}

// awaitJoin holds a create back while this worker takes its first
// partitions (at most joinWait): a create on a partition this worker owns
// can start inline or be handed to a dispatcher, where one made a moment
// earlier is published to the partition's future owner and fetched.
// Processes that never work (clients) do not wait.
func (s *Store) awaitJoin(ctx context.Context) {
	if !s.joined.Load() {
		return
	}
	select {
	case <-s.joinDone:
		return
	default:
	}
	t := time.NewTimer(joinWait)
	defer t.Stop()
	select {
	case <-s.joinDone:
	case <-ctx.Done():
	case <-t.C:
	}
}

const joinWait = time.Second

// balance runs one balancing pass (none before join).
func (s *Store) balance(ctx context.Context) {
	if !s.joined.Load() {
		return
	}
	workers, err := s.announce(ctx)
	if err != nil {
		s.logFailure("announcing the worker failed", err)
		return
	}
	holders, err := s.leaseHolders(ctx)
	if err != nil {
		s.logFailure("reading partition leases failed", err)
		return
	}
	workers = max(workers, 1)
	target := (len(s.parts) + workers - 1) / workers
	s.mu.Lock()
	s.live = workers
	mine := 0
	for _, p := range s.parts {
		if p.owned && !p.draining {
			mine++
		}
	}
	s.mu.Unlock()
	if mine > target {
		s.shed(mine - target)
		return
	}
	var free []int
	for _, p := range rand.Perm(len(s.parts)) {
		if holders[p] == "" {
			free = append(free, p)
		}
	}
	s.acquireFree(ctx, free, target-mine)
}

// leaseHolders returns each partition's lease holder ("" when free).
func (s *Store) leaseHolders(ctx context.Context) ([]string, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*goredis.StringCmd, len(s.parts))
	for p := range s.parts {
		cmds[p] = pipe.Get(ctx, s.k.lease(p))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil {
		return nil, err
	}
	out := make([]string, len(s.parts))
	for p, c := range cmds {
		if v, err := c.Result(); err == nil {
			out[p], _, _ = strings.Cut(v, "|")
		}
	}
	return out, nil
}

// LeaseHolders returns each partition's lease holder ("" when free), for
// tests and tools.
func (s *Store) LeaseHolders(ctx context.Context) ([]string, error) { return s.leaseHolders(ctx) }

// acquireFree takes up to want of the partitions in free, whose leases
// were free, and returns how many it took. The acquisitions go in one
// pipeline and skip the batcher's queue: a worker joining under a burst
// of creates would otherwise take its partitions one round trip at a
// time behind them, while those creates wait (awaitJoin) or miss the
// fast paths of an owned partition.
func (s *Store) acquireFree(ctx context.Context, free []int, want int) int {
	took := 0
	for len(free) > 0 && took < want {
		batch := free[:min(want-took, len(free))]
		free = free[len(batch):]
		calls := make([]*call, len(batch))
		for i, p := range batch {
			calls[i] = scriptCall(leaseAcquireScript, []string{s.k.lease(p)}, s.k.prefix(p), s.cfg.WorkerID,
				s.cfg.LeaseDuration.Milliseconds())
		}
		s.batch.send(calls)
		var got []int
		for i, p := range batch {
			epoch, err := calls[i].result().Int64()
			if err != nil {
				s.logFailure("taking a partition lease failed", err)
				continue
			}
			if epoch != 0 && s.took(p, epoch) {
				got = append(got, p)
			}
		}
		if len(got) > 0 {
			s.started(got)
		}
		took += len(got)
	}
	return took
}

// took records partition p's lease, taken at epoch; a store closed
// meanwhile gives it back.
func (s *Store) took(p int, epoch int64) bool {
	value := s.cfg.WorkerID + "|" + strconv.FormatInt(epoch, 10)
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		_ = s.runScript(leaseReleaseScript, []string{s.k.lease(p)}, s.k.prefix(p), value).Err()
		return false
	}
	s.parts[p] = &partition{owned: true, value: value}
	s.mu.Unlock()
	s.log.Debug("redis store: took partition", "hub", s.cfg.HubName, "partition", p, "worker", s.cfg.WorkerID, "epoch", epoch)
	return true
}

// started begins work on partitions just taken: their notifications (one
// SUBSCRIBE for all), a fetch, and a sweep of what their outboxes hold.
func (s *Store) started(ps []int) {
	s.sub.watch(ps...)
	now := floorMs(s.clock.Now())
	for _, p := range ps {
		s.orch.signal(p, now, now)
		s.ent.signal(p, now, now)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.sweepOutbox(s.ctx, p, 0)
		}()
	}
}

// renewAll renews every held lease; a lease that is gone is dropped.
func (s *Store) renewAll(ctx context.Context) {
	s.mu.Lock()
	held := map[int]string{}
	for i, p := range s.parts {
		if p.owned {
			held[i] = p.value
		}
	}
	s.mu.Unlock()
	for p, v := range held {
		ok, err := s.runScript(leaseRenewScript, []string{s.k.lease(p)}, s.k.prefix(p), v,
			s.cfg.LeaseDuration.Milliseconds()).Int()
		switch {
		case err != nil:
			s.logFailure("renewing a partition lease failed", err)
		case ok == 0:
			s.log.Info("redis store: lost partition lease", "hub", s.cfg.HubName, "partition", p, "worker", s.cfg.WorkerID)
			s.drop(p, v)
		}
	}
}

// drop forgets partition p if it is still held with lease value v.
func (s *Store) drop(p int, v string) {
	s.mu.Lock()
	pt := s.parts[p]
	if !pt.owned || pt.value != v {
		s.mu.Unlock()
		return
	}
	s.parts[p] = &partition{}
	s.mu.Unlock()
	s.sub.unwatch(p)
	s.orch.forget(p)
	s.ent.forget(p)
}

// shed gives back n partitions: no new work items are taken from them,
// and each is released once its work items in flight end (or after a
// lease duration).
func (s *Store) shed(n int) {
	s.mu.Lock()
	var picked []int
	for _, i := range rand.Perm(len(s.parts)) {
		if p := s.parts[i]; p.owned && !p.draining && len(picked) < n {
			p.draining = true
			picked = append(picked, i)
		}
	}
	s.mu.Unlock()
	for _, p := range picked {
		s.orch.forget(p)
		s.ent.forget(p)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.releaseWhenIdle(p)
		}()
	}
}

func (s *Store) releaseWhenIdle(p int) {
	deadline := time.Now().Add(s.cfg.LeaseDuration)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		idle := s.parts[p].inflight == 0
		s.mu.Unlock()
		if idle || s.ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.release(context.Background(), p)
}

// release gives back partition p's lease and its locked instances.
func (s *Store) release(ctx context.Context, p int) {
	s.mu.Lock()
	pt := s.parts[p]
	if !pt.owned {
		s.mu.Unlock()
		return
	}
	v := pt.value
	s.parts[p] = &partition{}
	s.mu.Unlock()
	s.sub.unwatch(p)
	s.orch.forget(p)
	s.ent.forget(p)
	if err := s.runScript(leaseReleaseScript, []string{s.k.lease(p)}, s.k.prefix(p), v).Err(); err != nil {
		s.log.Warn("redis store: releasing a partition lease failed; it will expire", "partition", p, "err", err)
	}
}

// releaseAll (Close) releases every lease.
func (s *Store) releaseAll(ctx context.Context) {
	for p := range s.parts {
		s.release(ctx, p)
	}
}

// hold counts a work item in flight on partition p, unless p is not
// owned or is being given back; it returns the lease value and the
// partition state to pass to untrack.
func (s *Store) hold(p int) (string, *partition, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pt := s.parts[p]
	if !pt.owned || pt.draining {
		return "", nil, false
	}
	pt.inflight++
	return pt.value, pt, true
}

// untrack ends a work item that hold counted.
func (s *Store) untrack(pt *partition) {
	s.mu.Lock()
	pt.inflight--
	s.mu.Unlock()
}

// liveWorkers is the number of workers the last balancing pass saw.
func (s *Store) liveWorkers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}
