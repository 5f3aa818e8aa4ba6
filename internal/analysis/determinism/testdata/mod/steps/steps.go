// Package steps is a helper package of the module, used by package orch.
package steps

import "time"

// Deadline is nondeterministic: it reads the wall clock.
func Deadline(d time.Duration) time.Time { return time.Now().Add(d) }

// Label is deterministic.
func Label(n int) string { return "step-" + string(rune('a'+n)) }
