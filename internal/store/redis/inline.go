package redis

// Inline starts (store.InlineStarter). A client in the engine's process
// creates an instance already reserved for itself, runs the first episode
// and commits the new row together with that episode in one commit
// script. The start message is never written: the create script used to
// write it (and lock the instance for a dispatcher), the dispatcher to
// decode it and the episode's commit to delete it; this path saves that
// script call, its encoding and decoding and the hop to a dispatcher.
//
// Crash safety is that of a create: nothing is written until the one
// commit, and the client's StartNew returns only after it. A process that
// dies before the commit leaves no trace, as one that died before
// CreateInstance did. The commit is fenced like any other (it checks the
// partition lease), and it refuses, writing nothing, when the id has a
// row, queued messages or a lock by then: the engine then calls
// CreateInstance, which applies the dedupe rules.

import (
	"context"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// inlineStart is what CreateLocked reserved: the start request, for
// AbandonOrchestrationWorkItem to create the instance as CreateInstance
// would.
type inlineStart struct {
	start *history.Event
	opts  store.CreateOptions
}

var _ store.InlineStarter = (*Store)(nil)

// CreateLocked reserves start's instance for its creator; see
// store.InlineStarter. It asks Redis nothing: only a worker holding the
// instance's partition lease starts inline, and whether the id is free
// is checked by the commit script, atomically with the write. An id in
// use therefore costs one episode run for nothing; ids are rarely reused
// while active, and a check here would cost the round trip this path
// saves.
func (s *Store) CreateLocked(ctx context.Context, start *history.Event, opts store.CreateOptions) (*store.OrchestrationWorkItem, bool, error) {
	id, execID, err := storekit.StartIDs(start)
	if err != nil {
		return nil, false, err
	}
	if !opts.VisibleAt.IsZero() || store.KindOf(id) != store.Orchestrations {
		return nil, false, nil
	}
	if err := s.begin(ctx); err != nil {
		return nil, false, opError("start instance inline", id, err)
	}
	// The engine asks only while its dispatchers run, so this process is
	// a worker: join now rather than when a dispatcher first asks for
	// work, which may come after a burst of starts has gone by.
	s.join(s.ctx) // the store's context: the caller's may end mid-pass
	s.awaitJoin(ctx)
	p := s.k.partition(id)
	lease, pt, ok := s.hold(p)
	if !ok {
		return nil, false, nil // another worker's partition: its dispatchers run the start
	}
	now := s.clock.Now()
	start = storekit.CloneEvent(start)
	lock := &orchLock{p: p, pt: pt, lease: lease, token: s.newToken(), start: &inlineStart{start: start, opts: opts}}
	wi := &store.OrchestrationWorkItem{
		InstanceID: id,
		Instance:   storekit.NewInstanceRow(start, opts, now),
		Messages: []*store.Message{{InstanceID: id, ExecutionID: execID, Event: storekit.CloneEvent(start),
			VisibleAt: now, DequeueCount: 1}},
		Lock: lock,
	}
	return wi, true, nil
}

// abandonStart gives up an inline start: the instance is created for the
// dispatchers, as CreateInstance would.
func (s *Store) abandonStart(ctx context.Context, lock *orchLock) error {
	lock.end(s)
	return s.CreateInstance(ctx, lock.start.start, lock.start.opts)
}
