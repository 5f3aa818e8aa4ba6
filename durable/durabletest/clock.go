package durabletest

import (
	"sync"
	"time"
)

// DefaultStartTime is where an Env's virtual clock starts unless
// WithStartTime moves it: a fixed instant, so that tests are reproducible.
var DefaultStartTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// virtualClock is the Env's clock: time stands still while the engine has
// work and jumps to the next due message when it has none. It is a
// durable.Clock (and a backend.Clock).
type virtualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []clockWaiter
}

type clockWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After fires once the clock has moved d past now; d <= 0 fires at once.
func (c *virtualClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, clockWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// advanceTo moves the clock to t (never backwards) and fires the After
// channels whose deadline it reached.
func (c *virtualClock) advanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	clear(c.waiters[len(kept):])
	c.waiters = kept
}
