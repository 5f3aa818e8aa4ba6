package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memqueue"
)

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store tell time by c (tests use a virtual clock).
// The default is store.SystemClock.
func WithClock(c store.Clock) Option {
	return func(s *Store) {
		if c != nil {
			s.clock = c
		}
	}
}

// Store is the in-memory store.Store. The zero value is not usable;
// call New.
type Store struct {
	clock store.Clock

	mu        sync.Mutex
	q         *memqueue.Queues     // messages, activity requests, locks; guarded by mu
	instances map[string]*instance // rows and histories; guarded by mu
}

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		clock:     store.SystemClock{},
		instances: make(map[string]*instance),
	}
	for _, o := range opts {
		o(s)
	}
	s.q = memqueue.New(&s.mu, s.clock)
	return s
}

// Close makes blocked and later calls fail with store.ErrClosed. It is
// safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.q.Close()
	return nil
}

// begin locks mu unless the store is closed or ctx has ended.
func (s *Store) begin(ctx context.Context) error { return s.q.Begin(ctx) }

// lockToken is the Lock of the work items this store hands out.
type lockToken struct {
	store *Store
	token uint64
	actID int64 // the request of an activity work item
}

func (s *Store) lockOf(l any) (*lockToken, bool) {
	t, ok := l.(*lockToken)
	return t, ok && t != nil && t.store == s
}

func lostError(op, instanceID string) error {
	return fmt.Errorf("%s for instance %q: %w", op, instanceID, store.ErrWorkItemLost)
}
