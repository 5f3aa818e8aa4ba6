package engine

// Handle carries an Executor through the public durable package, which
// builds executors from its Registry but cannot expose their methods (their
// types are internal): durable.Worker is an alias of Handle, and the
// extension-mode executors unwrap it. No init function is involved.
type Handle struct{ x Executor }

// NewHandle wraps x.
func NewHandle(x Executor) *Handle { return &Handle{x: x} }

// ExecutorOf returns the executor inside h, or nil for a nil handle.
func ExecutorOf(h *Handle) Executor {
	if h == nil {
		return nil
	}
	return h.x
}
