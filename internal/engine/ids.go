package engine

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
)

// newExecutionID returns a random execution id (32 hex digits, like .NET's
// Guid "N" format). Execution ids are chosen outside replay, so they need not
// be deterministic.
func newExecutionID() string { return newID(false, time.Time{}) }

// NewExecutionID is exported for clients creating instances.
func NewExecutionID() string { return newExecutionID() }

// NewInstanceID returns the id of an instance started without one: 32 hex
// digits, like .NET's Guid "N" format. For a store that asks for
// store.TimeOrderedIDs the first 12 digits are the creation time in
// milliseconds and the other 20 are random (80 bits), so that instances
// started together sit side by side in its B-trees: a sequence of 3,000
// one-activity orchestrations on SQLite writes half the WAL frames it
// writes with random ids. Otherwise the id is random.
func NewInstanceID(be store.Store, now time.Time) string {
	o, ok := be.(store.TimeOrderedIDs)
	return newID(ok && o.TimeOrderedIDs(), now)
}

// newID returns 16 random bytes in hex, the first 6 replaced by now's
// milliseconds (big-endian) when ordered.
func newID(ordered bool, now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	if ordered {
		ms := uint64(now.UnixMilli())
		for i := 5; i >= 0; i-- {
			b[i], ms = byte(ms), ms>>8
		}
	}
	return hex.EncodeToString(b[:])
}
