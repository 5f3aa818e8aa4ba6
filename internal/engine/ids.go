package engine

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/godurable/durablefunctions/internal/store"
)

// newExecutionID returns a random execution id (32 hex digits, like .NET's
// Guid "N" format). Execution ids are chosen outside replay, so they need not
// be deterministic.
func newExecutionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

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
	if o, ok := be.(store.TimeOrderedIDs); !ok || !o.TimeOrderedIDs() {
		return newExecutionID()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	return hex.EncodeToString(b[:])
}
