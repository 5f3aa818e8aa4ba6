package redis

import (
	"testing"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

func conformance(t *testing.T, conn func(testing.TB) Connection, partitions int) {
	conn(t) // skip (or fail in CI) at once when Redis is unavailable
	storetest.Run(t, storetest.Factory{
		New: func(t *testing.T, clock store.Clock) store.Store {
			cfg := testConfig(conn(t), uniqueHub("c"), clock)
			cfg.Partitions = partitions
			return openTest(t, cfg)
		},
		Reopen: func(t *testing.T, old store.Store, clock store.Clock) store.Store {
			s := old.(*Store)
			cfg := s.Config()
			_ = s.Close()
			return openTest(t, cfg)
		},
	})
}

func TestConformanceOnASingleNode(t *testing.T) { conformance(t, singleNode, 4) }

func TestConformanceOnAThreeNodeCluster(t *testing.T) { conformance(t, clusterNodes, 8) }
