package store

// Handle is a store as users hold it: durable.Store is an alias of it.
// It hides the contract's methods, whose parameter types users cannot name,
// and lets the public store constructors (durable.NewMemoryStore and the
// durable/sqlitestore and durable/azurestore packages) hand a store to
// durable without durable importing them.
type Handle struct{ s Store }

// NewHandle wraps s for users.
func NewHandle(s Store) *Handle { return &Handle{s: s} }

// Unwrap returns the store inside h, or nil for a nil handle.
func Unwrap(h *Handle) Store {
	if h == nil {
		return nil
	}
	return h.s
}

// Close releases the store's resources (files, connections, background
// workers). A Runtime closes its store when it closes.
func (h *Handle) Close() error { return h.s.Close() }
