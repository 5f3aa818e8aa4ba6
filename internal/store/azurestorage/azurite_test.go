package azurestorage

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store"
)

func TestMain(m *testing.M) { os.Exit(azurite.Main(m)) }

var hubSeq atomic.Int64

// uniqueHub returns a fresh task hub name for one test.
func uniqueHub() string {
	return fmt.Sprintf("t%dx%d", time.Now().UnixNano()%1_000_000_000, hubSeq.Add(1))
}

func testLogger() *slog.Logger {
	if os.Getenv("AZSTORE_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testConfig is a config against the package's Azurite with fast polling.
func testConfig(t testing.TB, hub string, clock store.Clock) Config {
	inst := azurite.Shared(t)
	return Config{
		HubName:                 hub,
		Connection:              Connection{ConnectionString: inst.ConnectionString()},
		MaxQueuePollingInterval: 200 * time.Millisecond,
		LeaseDuration:           15 * time.Second,
		LeaseRenewInterval:      2 * time.Second,
		LeaseAcquireInterval:    500 * time.Millisecond,
		Clock:                   clock,
		Logger:                  testLogger(),
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
