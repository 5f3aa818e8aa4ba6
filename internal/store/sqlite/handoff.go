package sqlite

// Result hand-offs (store.ResultHandoff). The activity worker that ran an
// activity locks its orchestration, runs the episode the result starts
// and commits it together with the deletion of the activity request. The
// result message is never written: completing the activity used to write
// it, the dispatcher to bump its dequeue count and the episode's commit
// to delete it, three transactions and their page writes that this path
// saves, with the dispatch hop between them.
//
// Crash safety is that of an activity: nothing is written until the one
// commit, so a process that dies before it leaves the activity request
// in place, and the activity runs again after the restart, as activities
// do (at least once). The result is recorded once, by whichever commit
// lands.

import (
	"context"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memqueue"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

var _ store.ResultHandoff = (*Store)(nil)

// LockForResult locks awi's instance for the episode result starts; see
// store.ResultHandoff.
func (s *Store) LockForResult(ctx context.Context, awi *store.ActivityWorkItem, result *history.Event) (*store.OrchestrationWorkItem, bool, error) {
	act, ok := s.lockOf(awi.Lock)
	if !ok || act.actID == 0 || result == nil || store.KindOf(awi.InstanceID) != store.Orchestrations {
		return nil, false, nil
	}
	id := awi.InstanceID
	// Only an instance whose state is cached (it ran an episode lately),
	// that nobody holds and that waits for no other activity: anything
	// else takes the usual way, with no read on this path. The last
	// condition keeps fan-outs batched: their results queue up while an
	// episode runs and the next episode takes them all, where hand-offs
	// would replay the whole history once per result.
	c, token, err := s.reserve(ctx, id, func(c *cached) bool {
		return c != nil && c.row != nil && s.actsOf[id] == 1 && s.q.LockedActivity(act.actID, act.token) != nil
	})
	if token == 0 || err != nil {
		return nil, false, err
	}
	wi := &store.OrchestrationWorkItem{
		InstanceID: id,
		Instance:   storekit.CloneInstance(c.row),
		History:    shareHistory(c.history),
		Messages: []*store.Message{{InstanceID: id, ExecutionID: awi.ExecutionID, Event: storekit.CloneEvent(result),
			VisibleAt: s.clock.Now(), DequeueCount: 1}},
		Lock: &lockToken{store: s, token: token, row: c.row, history: c.history, result: act},
	}
	return wi, true, nil
}

// claimResult deletes, in the commit's transaction, the activity request
// whose result the commit records. When its lock was lost, the commit is
// refused and the instance unlocked with the refusal.
func (b *batch) claimResult(id string, lock *lockToken) (release func(), refused, dbErr error) {
	if !b.checkActivity(lock.result) {
		b.used[lock.token] = true
		return func() { b.s.release(id, lock) }, lostError("hand off activity result", id), nil
	}
	if err := b.exec(b.s.w.delAct, lock.result.actID); err != nil {
		return nil, nil, err
	}
	b.usedActs[lock.result.actID] = true
	return nil, nil, nil
}

// addActivity queues request a in the mirror and counts it for its
// instance (callers hold mu, or own the store as Open does).
func (s *Store) addActivity(a *memqueue.Activity) {
	s.q.AddActivity(a)
	s.actsOf[a.InstanceID]++
}

// removeActivity deletes request id of instanceID, completed, from the
// mirror (callers hold mu).
func (s *Store) removeActivity(id int64, instanceID string) {
	s.q.RemoveActivity(id)
	delete(s.dq.acts, id)
	if s.actsOf[instanceID]--; s.actsOf[instanceID] <= 0 {
		delete(s.actsOf, instanceID)
	}
}
