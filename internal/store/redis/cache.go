package redis

import (
	"sync"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// histCache keeps the decoded history of instances this process worked
// on recently, so that a work item decodes only the events it has not
// seen: a fetch still returns the whole history (Redis cannot know what
// the worker has), but decoding JSON costs more than reading it. An entry
// is used event by event, only where the stored text is byte for byte the
// text decoded before, so it can never serve stale history.
type histCache struct {
	mu sync.Mutex
	m  map[string]*histEntry
}

type histEntry struct {
	raw []string
	ev  []*history.Event
}

const histCacheSize = 20000

// makeRoom drops one arbitrary entry of m when adding id would take it past
// histCacheSize: the per-instance maps of this package are caches, bounded
// so that a process touching millions of instances keeps its memory flat.
func makeRoom[V any](m map[string]V, id string) {
	if _, ok := m[id]; ok || len(m) < histCacheSize {
		return
	}
	for k := range m {
		delete(m, k)
		return
	}
}

func newHistCache() *histCache { return &histCache{m: map[string]*histEntry{}} }

// decode returns the events of raw (an instance's stored history),
// decoding only those not cached, and caches them.
func (c *histCache) decode(id string, raw []string) ([]*history.Event, error) {
	c.mu.Lock()
	old := c.m[id]
	c.mu.Unlock()
	out := make([]*history.Event, len(raw))
	kept := make([]*history.Event, len(raw))
	for i, r := range raw {
		if old != nil && i < len(old.raw) && old.raw[i] == r {
			kept[i] = old.ev[i]
		} else {
			e, err := decodeEvent(r)
			if err != nil {
				return nil, err
			}
			kept[i] = e
		}
		out[i] = storekit.CloneEvent(kept[i])
	}
	c.mu.Lock()
	makeRoom(c.m, id)
	c.m[id] = &histEntry{raw: raw, ev: kept}
	c.mu.Unlock()
	return out, nil
}

// forget drops an instance's entry (it finished or was purged).
func (c *histCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
