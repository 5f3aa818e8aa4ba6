package redis

import (
	"context"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// Handoffs save round trips. A script that creates work this process is
// about to fetch anyway takes it in the same call and the work item is
// queued for this process's callers (dispatcher.ready):
//
//   - CreateInstance and an activity's completion lock their instance when
//     this worker owns its partition and an orchestration caller waits;
//   - a commit queues activity requests already taken for as many
//     activity callers as wait, and takes the next ready instance of its
//     partition for the dispatcher that committed, which calls Next next;
//   - an activity's completion takes the partition's next visible request
//     for the activity dispatcher that completed it.
//
// A handed-over work item is locked like a fetched one: if the process
// dies it comes back after the lease (orchestrations) or the lock
// (activities) expires, and Close gives it back at once.

// instanceHandoff is a reservation for an orchestration work item that a
// script may take: a dispatcher, a partition held under a lease, a lock
// token.
type instanceHandoff struct {
	d        *dispatcher
	p        int
	pt       *partition
	lease    string
	token    string
	promised int
}

// offerInstance reserves a waiting caller of id's kind for id itself.
func (s *Store) offerInstance(p int, id string) *instanceHandoff {
	d := s.dispatcherOf(store.KindOf(id))
	lease, pt, ok := s.hold(p)
	if !ok {
		return nil
	}
	if d.promise(1) == 0 {
		s.untrack(pt)
		return nil
	}
	return &instanceHandoff{d: d, p: p, pt: pt, lease: lease, token: s.lockToken(), promised: 1}
}

// offerPrefetch prepares taking the next ready instance of kind in
// partition p for the caller that commits there, if none is queued.
func (s *Store) offerPrefetch(p int, kind store.WorkKind) *instanceHandoff {
	d := s.dispatcherOf(kind)
	if !d.prefetchable() {
		return nil
	}
	lease, pt, ok := s.hold(p)
	if !ok {
		return nil
	}
	return &instanceHandoff{d: d, p: p, pt: pt, lease: lease, token: s.lockToken()}
}

// scriptArgs are the lease and token a script takes ("" for none).
func (h *instanceHandoff) scriptArgs() (lease, token string) {
	if h == nil {
		return "", ""
	}
	return h.lease, h.token
}

// handOver queues the work item a script took (w is its {'W', ...} reply,
// or nil) and ends the reservation. It reports whether an item was queued.
func (s *Store) handOver(h *instanceHandoff, w any) bool {
	if h == nil {
		return false
	}
	res, _ := w.([]any)
	if str(res, 0) != "W" {
		s.dropHandoff(h)
		return false
	}
	wi, _, err := s.lockWorkItem(context.Background(), res, &orchLock{p: h.p, pt: h.pt, lease: h.lease, token: h.token})
	if err != nil {
		s.logFailure("reading a handed-over work item failed", err)
		h.d.settle(h.promised)
		return false
	}
	h.d.settle(h.promised, wi)
	return true
}

// dropHandoff ends a reservation whose script failed.
func (s *Store) dropHandoff(h *instanceHandoff) {
	if h != nil {
		s.untrack(h.pt)
		s.endToken(h.token)
		h.d.settle(h.promised)
	}
}

// lockWorkItem turns a {'W', ...} reply into a work item held by lock. An
// unreadable one is given back for a minute and its lock ended.
func (s *Store) lockWorkItem(ctx context.Context, res []any, lock *orchLock) (*store.OrchestrationWorkItem, bool, error) {
	wi, raw, more, err := s.decodeWorkItem(res)
	if err != nil {
		at := floorMs(s.clock.Now()) + time.Minute.Milliseconds()
		_ = s.runScript(abandonScript, []string{s.k.locked(lock.p)}, s.k.prefix(lock.p), str(res, 1), lock.token, at).Err()
		lock.end(s)
		return nil, false, err
	}
	for _, m := range wi.Messages {
		lock.mids = append(lock.mids, m.ID)
	}
	lock.raw = raw
	lock.row = storekit.CloneInstance(wi.Instance)
	lock.cur = [3]string{str(res, 6), str(res, 7), str(res, 8)}
	wi.Lock = lock
	return wi, more, nil
}

// activityClaims are activity requests a commit queues already taken for
// waiting activity callers of this process.
type activityClaims struct {
	tokens []string
	until  int64
}

func (s *Store) claimActivities(n int) *activityClaims {
	k := s.act.promise(n)
	c := &activityClaims{tokens: make([]string, k), until: ceilMs(s.clock.Now().Add(s.cfg.ActivityLockTimeout))}
	for i := range c.tokens {
		c.tokens[i] = s.newToken()
	}
	return c
}

// deliverClaims queues the requests a commit took (aids, in the order of
// acts) and ends the reservations.
func (s *Store) deliverClaims(c *activityClaims, p int, id, exec string, acts []*history.Event, aids any) {
	ids, _ := aids.([]any)
	var items []any
	for i, a := range ids {
		aid, _ := a.(string)
		if aid == "" || i >= len(c.tokens) || i >= len(acts) {
			continue
		}
		lock := &actLock{p: p, aid: aid, token: c.tokens[i], id: id}
		s.holdActivity(lock)
		items = append(items, &store.ActivityWorkItem{InstanceID: id, ExecutionID: exec,
			Event: storekit.CloneEvent(acts[i]), DequeueCount: 1, Lock: lock})
	}
	s.act.settle(len(c.tokens), items...)
}

// deliverActivity queues a request an activity's completion took for the
// dispatcher that completed it.
func (s *Store) deliverActivity(p int, token string, w any) {
	res, _ := w.([]any)
	if str(res, 0) != "W" {
		return
	}
	wi, err := s.activityWorkItem(p, token, res)
	if err != nil {
		s.logFailure("reading a handed-over activity failed", err)
		return
	}
	s.act.settle(0, wi)
}
