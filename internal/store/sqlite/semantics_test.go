package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/enginetest"
)

func TestEngineSemanticsOnSQLite(t *testing.T) {
	enginetest.Run(t, func(t *testing.T) durable.Store {
		s, err := durable.OpenSQLiteStore(context.Background(), filepath.Join(t.TempDir(), "semantics.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
