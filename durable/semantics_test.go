package durable_test

import (
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/store/e2etest"
)

func TestSemanticsOnTheMemoryStore(t *testing.T) {
	e2etest.Run(t, func(*testing.T) *durable.Store { return durable.NewMemoryStore() })
}
