package azurestorage

import (
	"testing"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		New: func(t *testing.T, clock store.Clock) store.Store {
			return openTest(t, testConfig(t, uniqueHub(), clock))
		},
		Reopen: func(t *testing.T, old store.Store, clock store.Clock) store.Store {
			s := old.(*Store)
			cfg := s.Config()
			_ = s.Close()
			return openTest(t, cfg)
		},
		ListsByID: true,
	})
}
