package sqlite

// Inline starts (store.InlineStarter). A client in the engine's process
// creates an instance already locked for itself, runs the first episode
// and commits the new row together with that episode. The start message
// is never written: the create used to write it, the dispatcher to bump
// its dequeue count and the episode's commit to delete it, three
// transactions and about eight page writes that this path saves, with
// the dispatch hop between them.
//
// Crash safety is that of a create: nothing is written until the one
// commit, and the client's StartNew returns only after it. A process that
// dies before the commit leaves no trace, as one that died before
// CreateInstance did.

import (
	"context"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// inlineStart is what CreateLocked reserved: the start request and the
// Pending row that CreateInstance would write.
type inlineStart struct {
	start *history.Event
	opts  store.CreateOptions
	row   *store.Instance
}

var _ store.InlineStarter = (*Store)(nil)

// CreateLocked reserves start's instance for its creator; see
// store.InlineStarter.
func (s *Store) CreateLocked(ctx context.Context, start *history.Event, opts store.CreateOptions) (*store.OrchestrationWorkItem, bool, error) {
	id, execID, err := storekit.StartIDs(start)
	if err != nil {
		return nil, false, err
	}
	if !opts.VisibleAt.IsZero() {
		return nil, false, nil
	}
	// An id with a known row (active or lately finished) is in use:
	// CreateInstance applies the dedupe rules to it.
	_, token, err := s.reserve(ctx, id, func(c *cached) bool { return c == nil && s.finished[id] == nil })
	if token == 0 || err != nil {
		return nil, false, err
	}
	now := s.clock.Now()
	start = storekit.CloneEvent(start)
	row := storekit.NewInstanceRow(start, opts, now)
	wi := &store.OrchestrationWorkItem{
		InstanceID: id,
		Instance:   storekit.CloneInstance(row),
		Messages: []*store.Message{{InstanceID: id, ExecutionID: execID, Event: storekit.CloneEvent(start),
			VisibleAt: now, DequeueCount: 1}},
		Lock: &lockToken{store: s, token: token, start: &inlineStart{start: start, opts: opts, row: row}},
	}
	return wi, true, nil
}

// claimNew writes an inline start's row, args, in the commit's
// transaction if its id is still free. When it is not (a CreateInstance
// of the same id got there first), the commit is refused as lost and the
// reservation released with the refusal.
func (b *batch) claimNew(id string, lock *lockToken, args rowArgs) (release func(), refused, dbErr error) {
	switch inserted, err := b.update(b.s.w.insRowNew, args[:]...); {
	case err != nil:
		return nil, nil, err
	case inserted:
		return nil, nil, nil
	}
	b.used[lock.token] = true
	return func() { b.s.release(id, lock) }, lostError("start instance inline", id), nil
}

// reserve locks id for a fast path, provided it has no queue state and
// want accepts its cache entry (nil when none). It returns the entry and
// the lock's token, 0 when it did not lock.
func (s *Store) reserve(ctx context.Context, id string, want func(*cached) bool) (*cached, uint64, error) {
	if err := s.begin(ctx); err != nil {
		return nil, 0, err
	}
	defer s.mu.Unlock()
	c := s.cache[id]
	if !want(c) {
		return nil, 0, nil
	}
	_, token := s.q.Reserve(id)
	return c, token, nil
}

// release unlocks an instance reserved for an inline start or a result
// hand-off (callers hold mu).
func (s *Store) release(id string, lock *lockToken) {
	if in := s.q.Locked(id, lock.token); in != nil {
		s.q.Unlock(in)
	}
}

// abandonStart gives up an inline start: the reservation is released and
// the instance created for the dispatchers, as CreateInstance would.
func (s *Store) abandonStart(ctx context.Context, id string, lock *lockToken) error {
	s.mu.Lock()
	s.release(id, lock)
	s.mu.Unlock()
	return s.CreateInstance(ctx, lock.start.start, lock.start.opts)
}
