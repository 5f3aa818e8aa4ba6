package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// Activity requests live in the partition of the orchestration that
// scheduled them, so that the commit that schedules them and the
// completion that answers them each stay in one hash slot. Any worker
// takes requests from any partition (competing consumers); a taken
// request is hidden until its lock expires and the lock is renewed while
// the activity runs.

// actLock is ActivityWorkItem.Lock.
type actLock struct {
	p     int
	aid   string
	token string
	id    string
}

// NextActivityWorkItem takes the first visible activity request of some
// partition.
func (s *Store) NextActivityWorkItem(ctx context.Context) (*store.ActivityWorkItem, error) {
	return nextWork(s, ctx, s.act, s.fetchActivity)
}

func (s *Store) fetchActivity(ctx context.Context, p int) (*store.ActivityWorkItem, fetched, error) {
	now := s.clock.Now()
	token := s.newToken()
	until := ceilMs(now.Add(s.cfg.ActivityLockTimeout))
	res, err := s.runScript(actFetchScript, []string{s.k.acts(p)}, s.k.prefix(p), floorMs(now), until, token).Slice()
	if err != nil {
		return nil, fetched{}, err
	}
	if str(res, 0) != "W" {
		return nil, fetched{next: parseScore(str(res, 1))}, nil
	}
	wi, err := s.activityWorkItem(p, token, res)
	if err != nil {
		return nil, fetched{}, err
	}
	return wi, fetched{found: true, more: num(res, 4) > 0}, nil
}

// activityWorkItem reads a taken request ({'W', id, dequeue count, body,
// ...}) and renews its lock from now on. An unreadable one stays hidden
// for its lock time rather than fail every dispatcher on it.
func (s *Store) activityWorkItem(p int, token string, res []any) (*store.ActivityWorkItem, error) {
	aid := str(res, 1)
	id, exec, ev, err := decodeActivity(str(res, 3))
	if err != nil {
		return nil, fmt.Errorf("redis store: activity request %s of partition %d: %w", aid, p, err)
	}
	lock := &actLock{p: p, aid: aid, token: token, id: id}
	s.holdActivity(lock)
	return &store.ActivityWorkItem{InstanceID: id, ExecutionID: exec, Event: ev, DequeueCount: int(num(res, 2)), Lock: lock}, nil
}

// holdActivity renews a request's lock until it is completed or given
// back.
func (s *Store) holdActivity(l *actLock) {
	s.mu.Lock()
	s.acts[l] = struct{}{}
	s.mu.Unlock()
}

func actLockOf(wi *store.ActivityWorkItem) (*actLock, bool) {
	l, ok := wi.Lock.(*actLock)
	return l, ok && l != nil
}

// forgetActivity stops renewing a request's lock.
func (s *Store) forgetActivity(l *actLock) {
	s.mu.Lock()
	delete(s.acts, l)
	s.mu.Unlock()
}

// CompleteActivityWorkItem deletes the request and queues its result for
// the orchestration in one script.
func (s *Store) CompleteActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	if result == nil {
		return fmt.Errorf("%w: instance %q: nil activity result", storekit.ErrInvalidRequest, wi.InstanceID)
	}
	if err := s.begin(ctx); err != nil {
		return opError("complete activity", wi.InstanceID, err)
	}
	l, ok := actLockOf(wi)
	if !ok {
		return lostError("complete activity", wi.InstanceID)
	}
	body, err := messageBody(&store.Message{InstanceID: wi.InstanceID, ExecutionID: wi.ExecutionID, Event: result})
	if err != nil {
		return err
	}
	c := s.prepareCompletion(l, body)
	res, err := s.runScript(actCompleteScript, []string{s.k.acts(l.p)}, c.args...).Slice()
	if err == nil && str(res, 0) != "OK" {
		s.forgetActivity(l)
		err = lostError("complete activity", wi.InstanceID)
	}
	if err != nil {
		s.dropHandoff(c.h)
		return opError("complete activity", wi.InstanceID, err)
	}
	s.forgetActivity(l)
	s.pending.done(l.id)
	c.notes.apply(s)
	if c.h != nil && !s.handOver(c.h, at(res, 1)) {
		s.dispatcherOf(store.KindOf(l.id)).signal(l.p, c.due, c.due)
	}
	if c.next != "" {
		s.deliverActivity(l.p, c.next, at(res, 2))
	}
	return nil
}

// completion is an activity completion script's arguments and what it
// may hand over: the orchestration's work item (h) and the partition's
// next request (next).
type completion struct {
	args  []any
	notes notices
	h     *instanceHandoff
	next  string
	due   int64
}

func (s *Store) prepareCompletion(l *actLock, body string) *completion {
	now := s.clock.Now()
	c := &completion{due: floorMs(now), h: s.offerInstance(l.p, l.id)}
	if c.h == nil {
		c.notes.instance(s, l.p, kindCode(l.id), c.due)
	}
	if s.act.prefetchable() {
		c.next = s.newToken()
	}
	lease, token := c.h.scriptArgs()
	c.args = append([]any{s.k.prefix(l.p), l.aid, l.token, l.id, c.due, body, c.due, lease, token,
		ceilMs(now.Add(s.cfg.ActivityLockTimeout)), c.next}, c.notes.args()...)
	return c
}

// AbandonActivityWorkItem makes the request visible again after
// retryAfter.
func (s *Store) AbandonActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, retryAfter time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return opError("abandon activity", wi.InstanceID, err)
	}
	l, ok := actLockOf(wi)
	if !ok {
		return lostError("abandon activity", wi.InstanceID)
	}
	return s.giveBack(ctx, l, storekit.RetryAt(s.clock.Now(), retryAfter))
}

// giveBack makes a held request visible at at.
func (s *Store) giveBack(ctx context.Context, l *actLock, at time.Time) error {
	res, err := s.runScript(actAbandonScript, []string{s.k.acts(l.p)}, s.k.prefix(l.p), l.aid, l.token, dueMs(at, s.clock.Now())).Text()
	if err != nil {
		return opError("abandon activity", l.id, err)
	}
	s.forgetActivity(l)
	if res != "OK" {
		return lostError("abandon activity", l.id)
	}
	now := s.clock.Now()
	s.act.signal(l.p, dueMs(at, now), floorMs(now))
	return nil
}

// renewActivitiesLoop extends the locks of running activities every third
// of ActivityLockTimeout.
func (s *Store) renewActivitiesLoop() {
	s.every(s.cfg.ActivityLockTimeout/3, func() {
		s.mu.Lock()
		held := make([]*actLock, 0, len(s.acts))
		for l := range s.acts {
			held = append(held, l)
		}
		s.mu.Unlock()
		until := ceilMs(s.clock.Now().Add(s.cfg.ActivityLockTimeout))
		for _, l := range held {
			res, err := s.runScript(actRenewScript, []string{s.k.acts(l.p)}, s.k.prefix(l.p), l.aid, l.token, until).Text()
			if err == nil && res != "OK" {
				s.forgetActivity(l)
			}
		}
	})
}

// giveBackActivities (Close) makes every held request visible at once.
func (s *Store) giveBackActivities(ctx context.Context) {
	s.mu.Lock()
	held := make([]*actLock, 0, len(s.acts))
	for l := range s.acts {
		held = append(held, l)
	}
	s.mu.Unlock()
	now := s.clock.Now()
	for _, l := range held {
		_ = s.giveBack(ctx, l, now)
	}
}
