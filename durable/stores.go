package durable

import "github.com/godurable/durablefunctions/internal/store/memory"

// NewMemoryStore returns a store that keeps everything in memory: for tests
// and quick experiments. Its state is lost when the process ends.
func NewMemoryStore() Store { return memory.New() }
