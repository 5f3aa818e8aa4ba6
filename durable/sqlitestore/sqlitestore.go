// Package sqlitestore opens a task hub in an embedded SQLite file: the
// default store of the function host, crash-safe, for one process at a time.
// It is a package of its own so that programs that do not use it do not
// link the SQLite driver.
//
//	st, err := sqlitestore.Open(ctx, ".durable/MyHub.db")
//	if err != nil {
//		return err
//	}
//	rt := durable.NewRuntime(reg, st)
//	defer rt.Close() // closes st too
package sqlitestore

import (
	"context"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

// Open opens (creating if needed) the task hub in the file at path.
func Open(ctx context.Context, path string) (*durable.Store, error) {
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return store.NewHandle(s), nil
}
