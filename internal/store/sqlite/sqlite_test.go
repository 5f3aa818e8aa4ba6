package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/backend/backendtest"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
)

func open(t *testing.T, path string, clock backend.Clock) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	backendtest.Run(t, backendtest.Factory{
		New: func(t *testing.T, clock backend.Clock) backend.Backend {
			return open(t, filepath.Join(t.TempDir(), "sub", "hub.db"), clock)
		},
		Reopen: func(t *testing.T, old backend.Backend, clock backend.Clock) backend.Backend {
			path := old.(*sqlite.Store).Path()
			if err := old.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, path, clock)
		},
	})
}
