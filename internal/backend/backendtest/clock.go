package backendtest

import (
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/vclock"
)

// Clock is a virtual backend.Clock: time stands still until Advance moves
// it, and After channels fire when Advance passes their deadline. It is
// safe for concurrent use.
type Clock = vclock.Clock

var _ backend.Clock = (*Clock)(nil)

// Epoch is where a NewClock starts: a fixed UTC instant, so that tests are
// reproducible.
var Epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// NewClock returns a clock standing at Epoch.
func NewClock() *Clock { return vclock.New(Epoch) }
