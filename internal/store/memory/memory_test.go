package memory_test

import (
	"testing"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		New: func(t *testing.T, clock store.Clock) store.Store {
			return memory.New(memory.WithClock(clock))
		},
	})
}
