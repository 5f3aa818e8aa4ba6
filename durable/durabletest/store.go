package durabletest

import (
	"context"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
)

// observedStore is the memory store with a doorbell: it rings whenever a
// work item is completed or abandoned, the only moments at which a busy
// engine can become idle.
type observedStore struct {
	*memory.Store
	bell chan struct{}
}

func newObservedStore(clock *virtualClock) *observedStore {
	return &observedStore{Store: memory.New(memory.WithClock(clock)), bell: make(chan struct{}, 1)}
}

func (s *observedStore) ring() {
	select {
	case s.bell <- struct{}{}:
	default:
	}
}

func (s *observedStore) CompleteOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) error {
	defer s.ring()
	return s.Store.CompleteOrchestrationWorkItem(ctx, wi, c)
}

func (s *observedStore) AbandonOrchestrationWorkItem(ctx context.Context, wi *store.OrchestrationWorkItem, retryAfter time.Duration) error {
	defer s.ring()
	return s.Store.AbandonOrchestrationWorkItem(ctx, wi, retryAfter)
}

func (s *observedStore) CompleteActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event) error {
	defer s.ring()
	return s.Store.CompleteActivityWorkItem(ctx, wi, result)
}

func (s *observedStore) AbandonActivityWorkItem(ctx context.Context, wi *store.ActivityWorkItem, retryAfter time.Duration) error {
	defer s.ring()
	return s.Store.AbandonActivityWorkItem(ctx, wi, retryAfter)
}
