// Package childproc runs the service processes that tests start beside
// them (Azurite in internal/azurite, redis-server in internal/redisserver):
// each in a process group of its own so that a stop reaches every process
// it forked, with its output kept for failure messages, stopped with
// SIGTERM (a clean shutdown that writes its files) or SIGKILL (a crash),
// and on Linux killed by the kernel when the test binary dies first.
//
// It also says in one place when a test that needs such a service skips
// and when it fails instead (Service.Unavailable):
//
//	var redis = childproc.Service{Name: "Redis", RequireEnv: "DURABLE_REQUIRE_REDIS", InstallHint: "make redis"}
//
//	p, err := childproc.Start(bin, args, dir)
//	if err == nil {
//		err = p.WaitReady("redis-server", 30*time.Second, func() bool { return pong(addr) })
//	}
//	if err != nil {
//		redis.Unavailable(t, err) // skips, or fails under CI
//	}
//	defer p.Halt(false)
package childproc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Process is one started service process.
type Process struct {
	cmd  *exec.Cmd
	out  *buffer
	done chan struct{}
}

// Start starts bin with args in dir (the current directory when empty),
// in a process group of its own, keeping up to 1 MiB of its output.
func Start(bin string, args []string, dir string) (*Process, error) {
	cmd := exec.Command(bin, args...)
	out := &buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = dir
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &Process{cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// WaitReady polls ready every 20 ms until it reports true. It fails with
// the process's output when the process exits first or limit passes (and
// then kills it).
func (p *Process) WaitReady(name string, limit time.Duration, ready func() bool) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited during startup: %s", name, strings.TrimSpace(p.Output()))
		default:
		}
		if ready() {
			return nil
		}
		if time.Now().After(deadline) {
			p.Halt(true)
			return fmt.Errorf("%s was not ready within %v: %s", name, limit, strings.TrimSpace(p.Output()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Halt stops the process group, with SIGKILL when kill is set and SIGTERM
// otherwise, and waits for it to exit: a group that ignores SIGTERM for
// 20 s is killed.
func (p *Process) Halt(kill bool) {
	if kill {
		killGroup(p.cmd)
	} else {
		terminateGroup(p.cmd)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		killGroup(p.cmd)
		<-p.done
	}
}

// Running reports whether the process has not exited.
func (p *Process) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Output is what the process printed so far (its first MiB).
func (p *Process) Output() string { return p.out.String() }

// Listening reports whether something accepts connections on addr.
func Listening(addr string, timeout time.Duration) bool {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// WaitClosed waits up to 5 s until nothing listens on addr any more, so
// that a restart can bind the same port.
func WaitClosed(addr string) {
	for k := 0; k < 100 && Listening(addr, 100*time.Millisecond); k++ {
		time.Sleep(50 * time.Millisecond)
	}
}

// FreePorts returns n distinct loopback ports that were free a moment ago.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for k := 0; k < n; k++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Service names a service tests need, the environment variable that makes
// its absence a failure, and the command that installs it.
type Service struct {
	Name        string // "Azurite", "Redis"
	RequireEnv  string // "DURABLE_REQUIRE_AZURITE"
	InstallHint string
}

// Required reports whether the environment demands that tests needing the
// service run: CI is set, or RequireEnv is set to anything but 0/false.
func (s Service) Required() bool {
	if v := os.Getenv(s.RequireEnv); v != "" && v != "0" && v != "false" {
		return true
	}
	return os.Getenv("CI") != ""
}

// Unavailable fails the test when Required and skips it loudly otherwise,
// with err and the install command: never a silent pass.
func (s Service) Unavailable(t testing.TB, err error) {
	t.Helper()
	if s.Required() {
		t.Fatalf("%s REQUIRED (CI or %s=1) but unavailable: %v (install: %s)", strings.ToUpper(s.Name), s.RequireEnv, err, s.InstallHint)
	}
	t.Skipf("SKIPPED: %s unavailable: %v (install: %s; set %s=1 to make this a failure)", s.Name, err, s.InstallHint, s.RequireEnv)
}

// MainUnavailable is Unavailable for a TestMain that could not start the
// package's shared service: it prints why and returns 1 (do not run the
// tests) when Required, or a warning and 0 (run them; those that need the
// service skip).
func (s Service) MainUnavailable(err error) int {
	if s.Required() {
		fmt.Fprintf(os.Stderr, "FAIL: %s is required (CI or %s=1) but unavailable: %v\n(install: %s)\n", s.Name, s.RequireEnv, err, s.InstallHint)
		return 1
	}
	fmt.Fprintf(os.Stderr, "WARNING: %s unavailable, the tests that need it will be SKIPPED: %v\n(install: %s)\n", s.Name, err, s.InstallHint)
	return 0
}

// buffer keeps the first MiB written to it.
type buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 1<<20 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
