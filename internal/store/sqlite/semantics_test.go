package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
	"github.com/godurable/durablefunctions/internal/store/e2etest"
)

func TestEngineSemanticsOnSQLite(t *testing.T) {
	e2etest.Run(t, func(t *testing.T) *durable.Store {
		s, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "semantics.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
