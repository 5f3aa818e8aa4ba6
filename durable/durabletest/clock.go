package durabletest

import (
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/virtualclock"
)

// DefaultStartTime is where an Env's virtual clock starts unless
// WithStartTime moves it: a fixed instant, so that tests are reproducible.
var DefaultStartTime = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// virtualClock is the Env's clock: time stands still while the engine has
// work and jumps to the next due message when it has none. It is a
// durable.Clock (and a store.Clock).
type virtualClock struct {
	// now is where the clock starts. The Env's options set it while New
	// builds the Env, before anything tells time, so the clock itself is
	// made on first use.
	now time.Time

	once sync.Once
	c    *virtualclock.Clock
}

func (c *virtualClock) clock() *virtualclock.Clock {
	c.once.Do(func() { c.c = virtualclock.New(c.now) })
	return c.c
}

func (c *virtualClock) Now() time.Time { return c.clock().Now() }

// After fires once the clock has moved d past now; d <= 0 fires at once.
func (c *virtualClock) After(d time.Duration) <-chan time.Time { return c.clock().After(d) }

// advanceTo moves the clock to t (never backwards) and fires the After
// channels whose deadline it reached.
func (c *virtualClock) advanceTo(t time.Time) { c.clock().AdvanceTo(t) }
