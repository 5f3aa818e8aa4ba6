package durable

import (
	"context"

	"github.com/godurable/durablefunctions/internal/store/memory"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

// NewMemoryStore returns a store that keeps everything in memory: for tests
// and quick experiments. Its state is lost when the process ends.
func NewMemoryStore() Store { return memory.New() }

// OpenSQLiteStore opens (creating if needed) the embedded store in the file
// at path: the default for local runs, crash-safe, for one process at a
// time.
func OpenSQLiteStore(ctx context.Context, path string) (Store, error) {
	return sqlite.Open(ctx, path)
}
