package triggers

import (
	"math/rand/v2"
	"time"
)

// Backoff is the host's RandomizedExponentialBackoffStrategy: after a
// success the delay is the minimum; each failure (an empty poll) adds
// min × 2^(n-1), randomized by ±20%, until the maximum, where it stays.
type Backoff struct {
	min, max time.Duration
	cur      time.Duration
	exp      int
	rand     func() float64 // [0, 1); tests make it fixed
}

// NewBackoff returns a back-off from min to max (timers retry with it; the
// queue pollers of package azurequeue wait with it while a queue is empty).
func NewBackoff(min, max time.Duration) *Backoff {
	if max < min {
		max = min
	}
	return &Backoff{min: min, max: max, cur: min, exp: 1, rand: rand.Float64}
}

// Next returns the delay after a success (something was found) or a
// failure (nothing was).
func (b *Backoff) Next(succeeded bool) time.Duration {
	switch {
	case succeeded:
		b.cur, b.exp = b.min, 1
	case b.cur != b.max:
		factor := 0.8 + 0.4*b.rand()
		inc := time.Duration(factor * float64(uint64(1)<<uint(min(b.exp-1, 30))) * float64(b.min))
		if d := b.min + inc; d < b.max {
			b.cur = d
			b.exp++
		} else {
			b.cur = b.max
		}
	}
	return b.cur
}
