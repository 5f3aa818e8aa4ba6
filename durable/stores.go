package durable

import (
	"context"

	"github.com/godurable/durablefunctions/internal/store/memory"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

// NewMemoryStore returns a store that keeps everything in memory: for tests
// and quick experiments. Its state is lost when the process ends.
func NewMemoryStore(opts ...StoreOption) Store {
	var o storeOptions
	for _, opt := range opts {
		opt(&o)
	}
	var mo []memory.Option
	if o.clock != nil {
		mo = append(mo, memory.WithClock(o.clock))
	}
	return memory.New(mo...)
}

// StoreOption configures a store.
type StoreOption func(*storeOptions)

type storeOptions struct{ clock Clock }

// WithStoreClock runs the store on c instead of the wall clock: messages
// become visible when c reaches their time.
func WithStoreClock(c Clock) StoreOption { return func(o *storeOptions) { o.clock = c } }

// OpenSQLiteStore opens (creating if needed) the embedded store in the file
// at path: the default for local runs, crash-safe, for one process at a
// time.
func OpenSQLiteStore(ctx context.Context, path string) (Store, error) {
	return sqlite.Open(ctx, path)
}
