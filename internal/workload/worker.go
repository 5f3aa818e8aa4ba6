package workload

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// A worker process is the test binary run again with these variables.
const (
	workerEnv = "DURABLE_WORKLOAD_WORKER" // worker id
	targetEnv = "DURABLE_WORKLOAD_TARGET" // the store: a connection string or an address
	hubEnv    = "DURABLE_WORKLOAD_HUB"
	shareEnv  = "DURABLE_WORKLOAD_SHARE" // Share.String()
)

// Share is the part of Mixed(Prefix, N, SharedCounters) that a worker
// starts: the jobs From up to To.
type Share struct {
	Prefix      string
	N, From, To int
}

func (s Share) String() string { return fmt.Sprintf("%s:%d:%d:%d", s.Prefix, s.N, s.From, s.To) }

func parseShare(v string) (Share, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 4 {
		return Share{}, fmt.Errorf("share %q: want prefix:n:from:to", v)
	}
	s := Share{Prefix: parts[0]}
	for i, p := range []*int{&s.N, &s.From, &s.To} {
		n, err := strconv.Atoi(parts[i+1])
		if err != nil {
			return Share{}, fmt.Errorf("share %q: %w", v, err)
		}
		*p = n
	}
	return s, nil
}

// Jobs are the share's jobs.
func (s Share) Jobs() []Job { return Mixed(s.Prefix, s.N, SharedCounters)[s.From:s.To] }

// IsWorker reports whether this process is a worker that StartWorker
// started: TestMain then runs RunWorker instead of the tests.
//
//	func TestMain(m *testing.M) {
//		if workload.IsWorker() {
//			os.Exit(workload.RunWorker(openWorker))
//		}
//		os.Exit(m.Run())
//	}
func IsWorker() bool { return os.Getenv(workerEnv) != "" }

// Opener opens a started runtime for worker on the task hub hub of the
// store at target.
type Opener func(ctx context.Context, target, hub, worker string) (*durable.Runtime, error)

// RunWorker is a worker process: it opens its runtime, starts its share of
// the jobs (those that do not exist yet), runs until SIGTERM (a graceful
// close) or SIGKILL, and returns the exit code.
func RunWorker(open Opener) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	worker := os.Getenv(workerEnv)
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	rt, err := open(octx, os.Getenv(targetEnv), os.Getenv(hubEnv), worker)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, worker, "open:", err)
		return 1
	}
	if v := os.Getenv(shareEnv); v != "" {
		share, err := parseShare(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, worker, err)
			return 1
		}
		for _, j := range share.Jobs() {
			if err := StartOnce(ctx, rt.Client(), j); err != nil {
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

// StartWorker runs the test binary again as worker on the hub of the
// store at target, starting share; the test's cleanup kills it if it is
// still running.
func StartWorker(t *testing.T, target, hub, worker string, share Share) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+worker, targetEnv+"="+target, hubEnv+"="+hub, shareEnv+"="+share.String())
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

// StopWorker stops a worker with SIGTERM and fails the test unless it
// exits cleanly within 40 s.
func StopWorker(t *testing.T, cmd *exec.Cmd) {
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

// KillWorker ends a worker with SIGKILL, as a crash would, and reaps it.
func KillWorker(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}
