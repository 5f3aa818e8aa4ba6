// Package deeper is two packages away from the orchestrators that use it.
package deeper

import "math/rand"

// Roll is nondeterministic.
func Roll() int { return rand.Intn(6) } // want Roll:`nondeterministic: call to math/rand\.Intn \(deeper\.go:7\)`

// Double is deterministic: no fact.
func Double(x int) int { return 2 * x }
