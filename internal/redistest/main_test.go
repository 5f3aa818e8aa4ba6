package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/redis"
)

// Worker processes: the test binary run again with these variables.
const (
	childEnv     = "DURABLE_REDISTEST_CHILD" // worker id
	childAddrEnv = "DURABLE_REDISTEST_ADDR"
	childHubEnv  = "DURABLE_REDISTEST_HUB"
	childJobsEnv = "DURABLE_REDISTEST_JOBS" // "prefix:n:from:to": start jobs[from:to] of mixedWorkload(prefix, n)
)

const sharedTallies = 10

// TestMain is the test binary, or a worker process when childEnv is set.
func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the restart test makes hundreds.
	goredis.SetLogger(quiet{})
	if os.Getenv(childEnv) != "" {
		os.Exit(child())
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

func openWorker(ctx context.Context, cfg redis.Config) (*durable.Runtime, error) {
	s, err := redis.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rt := durable.NewRuntime(registry(), store.NewHandle(s), durable.WithLogger(logger()))
	rt.Start()
	return rt, nil
}

// child runs one worker until SIGTERM (graceful) or SIGKILL.
func child() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	worker := os.Getenv(childEnv)
	activityDelay = 50 * time.Millisecond
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	rt, err := openWorker(octx, workerConfig(os.Getenv(childAddrEnv), os.Getenv(childHubEnv), worker))
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, worker, "open:", err)
		return 1
	}
	if spec := os.Getenv(childJobsEnv); spec != "" {
		parts := strings.Split(spec, ":")
		n, _ := strconv.Atoi(parts[1])
		from, _ := strconv.Atoi(parts[2])
		to, _ := strconv.Atoi(parts[3])
		for _, j := range mixedWorkload(parts[0], n, sharedTallies)[from:to] {
			if err := startOnce(ctx, rt.Client(), j); err != nil {
				fmt.Fprintln(os.Stderr, worker, "start:", j.ID, err)
				return 1
			}
		}
	}
	<-ctx.Done()
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rt.Close(cctx); err != nil {
		fmt.Fprintln(os.Stderr, worker, "close:", err)
	}
	return 0
}

func startWorker(t *testing.T, addr, hub, worker, jobs string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+worker, childAddrEnv+"="+addr, childHubEnv+"="+hub, childJobsEnv+"="+jobs)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

func stopWorker(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker exited with %v", err)
		}
	case <-time.After(40 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Errorf("worker did not stop within 40 s of SIGTERM")
	}
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
