package storetest

import (
	"time"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/virtualclock"
)

// Clock is a virtual store.Clock: time stands still until Advance moves
// it, and After channels fire when Advance passes their deadline. It is
// safe for concurrent use.
type Clock = virtualclock.Clock

var _ store.Clock = (*Clock)(nil)

// Epoch is where a NewClock starts: a fixed UTC instant, so that tests are
// reproducible.
var Epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// NewClock returns a clock standing at Epoch.
func NewClock() *Clock { return virtualclock.New(Epoch) }
