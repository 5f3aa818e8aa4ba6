package redis

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/internal/store"
)

func TestMain(m *testing.M) { os.Exit(redisserver.Main(m)) }

var hubSeq atomic.Int64

// uniqueHub returns a fresh task hub name for one test.
func uniqueHub(prefix string) string {
	return fmt.Sprintf("%s%dx%d", prefix, time.Now().UnixNano()%1_000_000_000, hubSeq.Add(1))
}

func testLogger() *slog.Logger {
	if os.Getenv("REDISSTORE_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// singleNode and cluster return the connection of the package's server or
// cluster (skipping, or failing in CI, when Redis is unavailable).
func singleNode(t testing.TB) Connection {
	return Connection{Addrs: []string{redisserver.Shared(t).Addr()}}
}

func clusterNodes(t testing.TB) Connection {
	return Connection{Addrs: redisserver.SharedCluster(t).Addrs()}
}

// testConfig is a configuration with fast polling for one test.
func testConfig(conn Connection, hub string, clock store.Clock) Config {
	return Config{
		HubName:         hub,
		Connection:      conn,
		Partitions:      4,
		PollInterval:    200 * time.Millisecond,
		BalanceInterval: time.Second,
		LeaseDuration:   5 * time.Second,
		Clock:           clock,
		Logger:          testLogger(),
	}
}

func openTest(t testing.TB, cfg Config) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}
