package redis

// Result hand-offs (store.ResultHandoff). The activity worker that ran an
// activity locks its orchestration, runs the episode the result starts
// and commits it together with the deletion of the activity request, in
// one commit script. The result message is never written: completing the
// activity used to queue it (and lock the instance for a dispatcher), the
// dispatcher to decode it and the episode's commit to delete it; this
// path saves the message's writes, its encoding and decoding and the hop
// to a dispatcher. The lock script replaces the completion script, so the
// round trips stay two.
//
// Crash safety is that of an activity: nothing is written until the one
// commit, so a process that dies before it leaves the request in place
// and the activity runs again when its lock expires (at least once). The
// commit checks the partition lease, the instance lock and the activity's
// lock token; when the activity's lock was lost it writes nothing and
// gives the instance back.

import (
	"context"
	"sync"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

var _ store.ResultHandoff = (*Store)(nil)

// resultLockScript: KEYS[1] lease. ARGV: P, owner, instance, token,
// request id, its lock token. It locks the instance provided the lease
// is owner's, the instance exists, is unlocked and has no queued
// messages, and the request is still held by the token, and returns
// the work item (see take) with no messages; else {'N'}, or {'L'} when
// the lease is not owner's.
var resultLockScript = newScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[2] then return {'L'} end
local id = ARGV[3]
if redis.call('HEXISTS', P .. 'locked', id) == 1 or redis.call('EXISTS', P .. 'q:' .. id) == 1 then return {'N'} end
if redis.call('HGET', P .. 'actb', ARGV[5] .. ':l') ~= ARGV[6] then return {'N'} end
local out = rowAndHistory(id, true)
if not out then return {'N'} end
redis.call('HSET', P .. 'locked', id, ARGV[4])
out[#out + 1] = 0
out[#out + 1] = 0
return out
`)

// LockForResult locks awi's instance for the episode result starts; see
// store.ResultHandoff. Only when this worker owns the instance's
// partition and, as far as this process knows, the instance waits for no
// other activity: a fan-out's results queue up while an episode runs and
// the next episode takes them all, where hand-offs would replay the
// whole history once per result.
func (s *Store) LockForResult(ctx context.Context, awi *store.ActivityWorkItem, result *history.Event) (*store.OrchestrationWorkItem, bool, error) {
	l, ok := actLockOf(awi)
	id := awi.InstanceID
	if !ok || result == nil || store.KindOf(id) != store.Orchestrations || !s.pending.only(id) {
		return nil, false, nil
	}
	if err := s.begin(ctx); err != nil {
		return nil, false, opError("hand off activity result", id, err)
	}
	lease, pt, ok := s.hold(l.p)
	if !ok {
		return nil, false, nil
	}
	lock := &orchLock{p: l.p, pt: pt, lease: lease, token: s.lockToken(), result: l}
	wi := s.handoffOnCopy(id, lock)
	if wi == nil {
		var ok bool
		var err error
		if wi, ok, err = s.lockForResult(ctx, lock, id); err != nil || !ok {
			return nil, false, err
		}
	}
	wi.Messages = []*store.Message{{InstanceID: id, ExecutionID: awi.ExecutionID, Event: storekit.CloneEvent(result),
		VisibleAt: s.clock.Now(), DequeueCount: 1}}
	return wi, true, nil
}

// lockForResult runs the result lock script for a hand-off without a copy.
func (s *Store) lockForResult(ctx context.Context, lock *orchLock, id string) (*store.OrchestrationWorkItem, bool, error) {
	l, lease := lock.result, lock.lease
	res, err := s.runScript(resultLockScript, []string{s.k.lease(l.p)}, s.k.prefix(l.p), lease, id, lock.token,
		l.aid, l.token).Slice()
	if err != nil {
		// The script may have locked the instance: the lock audit frees
		// it once the token has ended.
		lock.end(s)
		return nil, false, opError("hand off activity result", id, err)
	}
	switch str(res, 0) {
	case "L":
		lock.end(s)
		s.drop(l.p, lease)
		return nil, false, nil
	case "N":
		lock.end(s)
		return nil, false, nil
	}
	wi, _, err := s.lockWorkItem(ctx, res, lock)
	if err != nil {
		return nil, false, err
	}
	return wi, true, nil
}

// countActivities updates the pending counts after a commit of id: the
// activities it scheduled, the one whose result it recorded, and none
// once the instance finished.
func (s *Store) countActivities(id string, lock *orchLock, c *store.OrchestrationCommit) {
	if lock.result != nil {
		s.forgetActivity(lock.result)
		s.pending.done(id)
	}
	if c.ReplaceHistory || (c.Instance != nil && c.Instance.Status.IsTerminal()) {
		s.pending.forget(id) // a new execution (continue-as-new) or the end
		if c.Instance != nil && c.Instance.Status.IsTerminal() {
			return
		}
	}
	s.pending.add(id, len(c.Activities))
}

// pendingActs counts, per instance, the activity requests this process's
// commits scheduled whose results it has not completed. Results completed
// by other processes are not seen, so a count can be too high, which only
// costs a hand-off; bounded like the history cache.
type pendingActs struct {
	mu sync.Mutex
	m  map[string]int
}

func (p *pendingActs) add(id string, n int) {
	if n == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	makeRoom(p.m, id)
	p.m[id] += n
}

func (p *pendingActs) done(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, ok := p.m[id]; ok {
		if n <= 1 {
			delete(p.m, id)
		} else {
			p.m[id] = n - 1
		}
	}
}

func (p *pendingActs) forget(id string) {
	p.mu.Lock()
	delete(p.m, id)
	p.mu.Unlock()
}

// only reports whether id waits for exactly one activity.
func (p *pendingActs) only(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[id] == 1
}
