package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
)

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store tell time by c (tests use a virtual clock).
// The default is backend.SystemClock.
func WithClock(c backend.Clock) Option {
	return func(s *Store) {
		if c != nil {
			s.clock = c
		}
	}
}

// queue numbers the three kinds of waiters a change can wake.
type queue int

const (
	orchestrationQueue queue = iota // backend.Orchestrations
	entityQueue                     // backend.Entities
	activityQueue
	queueCount
)

func queueOf(k backend.WorkKind) queue {
	if k == backend.Entities {
		return entityQueue
	}
	return orchestrationQueue
}

// Store is the in-memory backend.Backend. The zero value is not usable;
// call New.
type Store struct {
	clock backend.Clock

	mu        sync.Mutex
	closed    bool
	done      chan struct{}             // closed by Close
	changed   [queueCount]chan struct{} // closed and replaced when that queue gains work
	seq       uint64                    // message and activity sequence numbers
	lockSeq   uint64                    // lock tokens
	instances map[string]*instance
	ready     [2]instanceHeap // per WorkKind: unlocked instances with messages
	acts      map[uint64]*activity
	actReady  activityHeap
}

var _ backend.Backend = (*Store)(nil)

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		clock:     backend.SystemClock{},
		done:      make(chan struct{}),
		instances: make(map[string]*instance),
		acts:      make(map[uint64]*activity),
	}
	for i := range s.changed {
		s.changed[i] = make(chan struct{})
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close makes blocked and later calls fail with backend.ErrClosed. It is
// safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	return nil
}

// wake wakes the waiters of q. Callers hold mu.
func (s *Store) wake(q queue) {
	close(s.changed[q])
	s.changed[q] = make(chan struct{})
}

// begin locks mu unless the store is closed or ctx has ended.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return backend.ErrClosed
	}
	return nil
}

// wait blocks until q changes, the earliest future item (due, if not
// zero) becomes visible, ctx ends or the store closes. Callers hold mu;
// wait releases it.
func (s *Store) wait(ctx context.Context, q queue, due time.Time, now time.Time) error {
	changed := s.changed[q]
	s.mu.Unlock()
	var timer <-chan time.Time
	if !due.IsZero() {
		timer = s.clock.After(due.Sub(now))
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return backend.ErrClosed
	case <-changed:
	case <-timer:
	}
	return nil
}

// lockToken is the Lock of the work items this store hands out.
type lockToken struct {
	store *Store
	token uint64
	seqs  []uint64 // the messages of an orchestration work item
	actID uint64   // the request of an activity work item
}

func (s *Store) lockOf(l any) (*lockToken, bool) {
	t, ok := l.(*lockToken)
	return t, ok && t != nil && t.store == s
}

func lostError(op, instanceID string) error {
	return fmt.Errorf("%s for instance %q: %w", op, instanceID, backend.ErrWorkItemLost)
}
