package redistest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/redis"
	"github.com/godurable/durablefunctions/internal/workload"
)

// TestMain is the test binary, or a worker process when childEnv is set.
func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the restart test makes hundreds.
	goredis.SetLogger(quiet{})
	if workload.IsWorker() {
		os.Exit(workload.RunWorker(func(ctx context.Context, addr, hub, worker string) (*durable.Runtime, error) {
			// Activities take 50 ms, so that some are in flight when a
			// worker is killed.
			return openWorker(ctx, workerConfig(addr, hub, worker), 50*time.Millisecond)
		}))
	}
	os.Exit(redisserver.Main(m))
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var hubSeq atomic.Int64

func uniqueHub(prefix string) string {
	return fmt.Sprintf("%s%dx%d", prefix, time.Now().UnixNano()%1_000_000_000, hubSeq.Add(1))
}

// workerConfig has short leases and locks, so that a dead worker's
// partitions and activities come back within seconds.
func workerConfig(addr, hub, worker string) redis.Config {
	return redis.Config{
		HubName:             hub,
		Connection:          redis.Connection{Addrs: []string{addr}},
		Partitions:          12,
		LeaseDuration:       4 * time.Second,
		BalanceInterval:     300 * time.Millisecond,
		ActivityLockTimeout: 8 * time.Second,
		PollInterval:        500 * time.Millisecond,
		OutboxSweepInterval: time.Second,
		WorkerID:            worker,
		Logger:              logger(),
	}
}

// openWorker opens a started runtime on cfg's hub whose activities take
// activityDelay.
func openWorker(ctx context.Context, cfg redis.Config, activityDelay time.Duration) (*durable.Runtime, error) {
	s, err := redis.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rt := durable.NewRuntime(workload.Registry(activityDelay), store.NewHandle(s), durable.WithLogger(logger()))
	rt.Start()
	return rt, nil
}

// soak reports whether the full-size runs were asked for.
func soak() bool { return os.Getenv("DURABLE_SOAK") == "1" }

// size is n in CI and full under DURABLE_SOAK=1 (or DURABLE_SOAK_N).
func size(ci, full int) int {
	if v, err := strconv.Atoi(os.Getenv("DURABLE_SOAK_N")); err == nil && v > 0 {
		return v
	}
	if soak() {
		return full
	}
	return ci
}

func logger() *slog.Logger {
	if os.Getenv("REDISTEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
