package durable

import (
	"container/list"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godurable/durablefunctions/internal/replay"
)

// Extended sessions (host.json extendedSessionsEnabled) keep an
// orchestration's code in memory between episodes: when an episode ends
// with the code waiting, its goroutine stays parked in the Await, and the
// instance's next episode on this runtime hands it the new events instead
// of replaying the whole history. See docs/extended-sessions.md.

// DefaultExtendedSessionIdleTimeout is Durable Functions' default
// extendedSessionIdleTimeoutInSeconds.
const DefaultExtendedSessionIdleTimeout = 30 * time.Second

// DefaultMaxExtendedSessions bounds the sessions a runtime keeps unless
// WithMaxExtendedSessions says otherwise.
const DefaultMaxExtendedSessions = 1000

type sessionOptions struct {
	enabled bool
	idle    time.Duration
	max     int
}

// WithExtendedSessions keeps the code of an orchestration that waits in
// memory for up to idle (zero: 30 seconds) after its last episode, as
// host.json's extendedSessionsEnabled and
// extendedSessionIdleTimeoutInSeconds do: an event that arrives within
// that time continues the parked code instead of replaying the history.
// Results are the same either way; what changes is the cost of an episode
// of a long history, and the memory the parked sessions hold. Off by
// default. Code that is not deterministic is no longer caught by replay
// while its session lives, so keep sessions off while developing.
func WithExtendedSessions(idle time.Duration) RuntimeOption {
	return func(o *runtimeOptions) {
		o.sessions.enabled = true
		o.sessions.idle = idle
	}
}

// WithMaxExtendedSessions bounds the sessions kept at once (default
// 1,000): beyond it, the least recently used session is closed, and its
// instance replays on its next event.
func WithMaxExtendedSessions(n int) RuntimeOption {
	return func(o *runtimeOptions) { o.sessions.max = n }
}

// sessionCache holds the parked sessions of one runtime, by instance id.
// A session is taken out of the cache while an episode runs on it, so two
// episodes of one instance never share one.
type sessionCache struct {
	idle  time.Duration
	max   int
	clock Clock

	mu       sync.Mutex
	entries  map[string]*sessionEntry
	lru      list.List // of *sessionEntry, least recently used first
	sweeping bool      // the idle sweeper runs
	closed   bool
	stop     chan struct{}
	resumed  atomic.Int64 // episodes run on a parked session
	replayed atomic.Int64 // episodes replayed in full
}

type sessionEntry struct {
	instanceID   string
	orchestrator string
	sess         *replay.Session
	lastUsed     time.Time
	elem         *list.Element
}

func newSessionCache(o sessionOptions, clock Clock) *sessionCache {
	if !o.enabled {
		return nil
	}
	if o.idle <= 0 {
		o.idle = DefaultExtendedSessionIdleTimeout
	}
	if o.max <= 0 {
		o.max = DefaultMaxExtendedSessions
	}
	return &sessionCache{idle: o.idle, max: o.max, clock: clock, entries: make(map[string]*sessionEntry), stop: make(chan struct{})}
}

// run runs one episode of orchestrator name: on the instance's parked
// session when it has one that is not idle past the timeout and accepts
// the episode, else as a full replay that parks the code afterwards.
func (c *sessionCache) run(name string, fn replay.Orchestrator, ep replay.Episode, opts replay.Options) *replay.Result {
	now := c.clock.Now()
	if e := c.take(ep.InstanceID); e != nil {
		if strings.EqualFold(e.orchestrator, name) && !c.expired(e, now) {
			if r, ok := e.sess.Resume(ep, opts); ok {
				c.resumed.Add(1)
				if e.sess.Live() {
					c.put(e)
				}
				return r
			}
		}
		e.sess.Close() // does nothing if Resume already closed it
	}
	c.replayed.Add(1)
	r, s := replay.ExecuteSession(fn, ep, opts)
	if s != nil {
		c.put(&sessionEntry{instanceID: ep.InstanceID, orchestrator: name, sess: s})
	}
	return r
}

func (c *sessionCache) expired(e *sessionEntry, now time.Time) bool {
	return now.Sub(e.lastUsed) >= c.idle
}

// counts returns how many episodes resumed a session and how many
// replayed in full.
func (c *sessionCache) counts() (resumed, replayed int) {
	return int(c.resumed.Load()), int(c.replayed.Load())
}

// len returns the number of parked sessions.
func (c *sessionCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// take removes and returns the instance's session, if any.
func (c *sessionCache) take(instanceID string) *sessionEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[instanceID]
	if e != nil {
		c.remove(e)
	}
	return e
}

func (c *sessionCache) remove(e *sessionEntry) {
	delete(c.entries, e.instanceID)
	c.lru.Remove(e.elem)
}

// put parks e as the instance's session, idle from now (the end of its
// episode, so that the list stays in order of expiry), closing the least
// recently used sessions beyond the bound. Sessions are closed outside the lock: closing
// runs the code's deferred calls.
func (c *sessionCache) put(e *sessionEntry) {
	var drop []*sessionEntry
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		e.sess.Close()
		return
	}
	if old := c.entries[e.instanceID]; old != nil {
		c.remove(old)
		drop = append(drop, old)
	}
	e.lastUsed = c.clock.Now()
	e.elem = c.lru.PushBack(e)
	c.entries[e.instanceID] = e
	for len(c.entries) > c.max {
		lru := c.lru.Front().Value.(*sessionEntry)
		c.remove(lru)
		drop = append(drop, lru)
	}
	if !c.sweeping {
		c.sweeping = true
		go c.sweep()
	}
	c.mu.Unlock()
	for _, d := range drop {
		d.sess.Close()
	}
}

// sweep closes sessions idle past the timeout. It runs while sessions are
// parked and ends when there are none, so an idle runtime has no goroutine
// for it. Entries are in order of last use, and every session has the same
// timeout, so the first entry is always the next to expire.
func (c *sessionCache) sweep() {
	for {
		c.mu.Lock()
		if c.closed || c.lru.Len() == 0 {
			c.sweeping = false
			c.mu.Unlock()
			return
		}
		now := c.clock.Now()
		var drop []*sessionEntry
		for f := c.lru.Front(); f != nil; f = c.lru.Front() {
			e := f.Value.(*sessionEntry)
			if !c.expired(e, now) {
				break
			}
			c.remove(e)
			drop = append(drop, e)
		}
		var wait time.Duration
		if f := c.lru.Front(); f != nil {
			wait = f.Value.(*sessionEntry).lastUsed.Add(c.idle).Sub(now)
		}
		c.mu.Unlock()
		for _, e := range drop {
			e.sess.Close()
		}
		if wait <= 0 {
			continue // nothing left (the loop ends), or expired meanwhile
		}
		select {
		case <-c.clock.After(wait):
		case <-c.stop:
		}
	}
}

// close closes every session and stops the sweeper; later episodes replay
// in full.
func (c *sessionCache) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.stop)
	drop := make([]*sessionEntry, 0, len(c.entries))
	for _, e := range c.entries {
		c.remove(e)
		drop = append(drop, e)
	}
	c.mu.Unlock()
	for _, e := range drop {
		e.sess.Close()
	}
}
