package durable_test

import (
	"testing"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/enginetest"
)

func TestSemanticsOnTheMemoryStore(t *testing.T) {
	enginetest.Run(t, func(*testing.T) durable.Store { return durable.NewMemoryStore() })
}
