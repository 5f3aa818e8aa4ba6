package durable

import (
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
)

// NewMemoryStore returns a store that keeps everything in memory: for tests
// and quick experiments. Its state is lost when the process ends. The other
// stores have packages of their own, so that a program links only the
// stores it uses: durable/sqlitestore (an embedded file, the default of the
// function host) and durable/azurestore (Azure Storage, for many machines).
func NewMemoryStore(opts ...StoreOption) *Store {
	var o storeOptions
	for _, opt := range opts {
		opt(&o)
	}
	var mo []memory.Option
	if o.clock != nil {
		mo = append(mo, memory.WithClock(o.clock))
	}
	return store.NewHandle(memory.New(mo...))
}

// StoreOption configures a store.
type StoreOption func(*storeOptions)

type storeOptions struct{ clock Clock }

// WithStoreClock runs the store on c instead of the wall clock: messages
// become visible when c reaches their time.
func WithStoreClock(c Clock) StoreOption { return func(o *storeOptions) { o.clock = c } }
