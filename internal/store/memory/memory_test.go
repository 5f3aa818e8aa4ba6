package memory_test

import (
	"testing"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/backend/backendtest"
	"github.com/godurable/durablefunctions/internal/store/memory"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, backendtest.Factory{
		New: func(t *testing.T, clock backend.Clock) backend.Backend {
			return memory.New(memory.WithClock(clock))
		},
	})
}
