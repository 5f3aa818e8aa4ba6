package azurestorage

import (
	"testing"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/backend/backendtest"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, backendtest.Factory{
		New: func(t *testing.T, clock backend.Clock) backend.Backend {
			return openTest(t, testConfig(t, uniqueHub(), clock))
		},
		Reopen: func(t *testing.T, old backend.Backend, clock backend.Clock) backend.Backend {
			s := old.(*Store)
			cfg := s.Config()
			_ = s.Close()
			return openTest(t, cfg)
		},
	})
}
