package sqlite

// The row/history cache. Every field is guarded by Store.mu; the queue
// mirror itself is Store.q.

import (
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// cached is an instance's committed row and history. Entries are never
// changed in place: the writer replaces them.
type cached struct {
	row     *store.Instance
	history []*history.Event
}

// maxCached bounds the row/history cache.
const maxCached = 4096

// maxFinished bounds the rows of finished instances kept for status
// reads (no histories: those can be large and are seldom read again).
const maxFinished = 4096

func (s *Store) setCache(id string, c *cached) {
	if c.row != nil && c.row.Status.IsTerminal() {
		delete(s.cache, id)
		// The client waiting for the instance reads this row next.
		if _, ok := s.finished[id]; !ok && len(s.finished) >= maxFinished {
			for k := range s.finished {
				delete(s.finished, k)
				break
			}
		}
		s.finished[id] = c.row
		return
	}
	delete(s.finished, id)
	if _, ok := s.cache[id]; !ok && len(s.cache) >= maxCached {
		for k := range s.cache { // evict an arbitrary entry
			delete(s.cache, k)
			break
		}
	}
	s.cache[id] = c
}

// qdrop forgets an instance's messages, lock and cached state.
func (s *Store) qdrop(id string) {
	delete(s.cache, id)
	delete(s.finished, id)
	if in := s.q.Instance(id); in != nil {
		for _, m := range in.Msgs {
			delete(s.dq.msgs, m.ID)
		}
	}
	s.q.Drop(id)
}
