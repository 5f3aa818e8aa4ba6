package durable_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
	"github.com/godurable/durablefunctions/internal/store/e2etest"
)

// The end-to-end semantics suite passes with extended sessions on: what
// users see does not depend on whether code was replayed or resumed.
func TestSemanticsWithExtendedSessions(t *testing.T) {
	sessions := durable.WithExtendedSessions(time.Minute)
	t.Run("memory", func(t *testing.T) {
		e2etest.Run(t, func(*testing.T) *durable.Store { return durable.NewMemoryStore() }, sessions)
	})
	t.Run("sqlite", func(t *testing.T) {
		e2etest.Run(t, func(t *testing.T) *durable.Store {
			st, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "hub.db"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}, sessions)
	})
}
