package memory

import (
	"context"

	"github.com/godurable/durablefunctions/internal/store"
)

var _ store.QueueDepther = (*Store)(nil)

// QueueDepth counts the messages and activity requests due now that no
// work item holds, from the in-memory queues.
func (s *Store) QueueDepth(ctx context.Context) ([]store.QueueDepth, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return s.q.Depth(s.clock.Now()), nil
}
