package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

func open(t *testing.T, path string, clock store.Clock) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		New: func(t *testing.T, clock store.Clock) store.Store {
			return open(t, filepath.Join(t.TempDir(), "sub", "hub.db"), clock)
		},
		Reopen: func(t *testing.T, old store.Store, clock store.Clock) store.Store {
			path := old.(*sqlite.Store).Path()
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, path, clock)
		},
	})
}
