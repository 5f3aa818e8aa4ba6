// Package redisserver starts private Redis servers for tests: a single
// node, or a Redis Cluster of several, each on a free port of 127.0.0.1
// with its data in a temporary directory, stopped when the test ends.
//
// It runs the redis-server and redis-cli found on PATH (Debian's package
// redis-server: `make redis` installs it). When they are missing or the
// server does not start, tests that need Redis fail with the reason when
// the environment requires Redis (CI set, or DURABLE_REQUIRE_REDIS=1) and
// skip loudly otherwise. They never pass silently.
//
//	func TestMain(m *testing.M) { os.Exit(redisserver.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		srv := redisserver.Shared(t) // one server for the package
//		addr := srv.Addr()           // "127.0.0.1:port"
//	}
package redisserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/childproc"
)

// InstallHint is the command that installs redis-server and redis-cli.
const InstallHint = "apt-get update && apt-get install -y redis-server (or `make redis`)"

// ErrNotInstalled reports that redis-server is not on PATH.
var ErrNotInstalled = errors.New("redis-server is not installed")

// Options tune a server.
type Options struct {
	// AppendFsync turns on the append-only file with this fsync policy
	// ("always", "everysec" or "no"). Empty keeps no AOF.
	AppendFsync string
	// Cluster starts the node with cluster mode on (StartCluster sets it).
	Cluster bool
	// Args are extra redis-server arguments ("--maxmemory", "1gb", ...).
	Args []string
}

// Server is one redis-server process (running or stopped).
type Server struct {
	Port int
	// Dir holds the server's data files (AOF, RDB, nodes.conf).
	Dir string

	bin  string
	opts Options

	mu   sync.Mutex
	proc *childproc.Process // nil while stopped
	last *childproc.Process // the latest process, for Output
}

// Addr is the server's "127.0.0.1:port".
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// service says when tests that need Redis skip and when they fail.
var service = childproc.Service{Name: "Redis", RequireEnv: "DURABLE_REQUIRE_REDIS", InstallHint: InstallHint}

// Required reports whether the environment demands that Redis-backed tests
// run (CI, or DURABLE_REQUIRE_REDIS=1).
func Required() bool { return service.Required() }

// Unavailable fails the test (when Required) or skips it, with err and
// the install command.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	service.Unavailable(t, err)
}

// Start starts a server for one test, stopped and removed by t.Cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := StartWith(opts)
	if err != nil {
		Unavailable(t, err)
		return nil
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// StartWith starts a server on a free port with a fresh data directory.
func StartWith(opts Options) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort(opts.Cluster)
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "redis-")
		if err != nil {
			return nil, err
		}
		s := &Server{Port: port, Dir: dir, bin: bin, opts: opts}
		if err := s.start(); err != nil {
			lastErr = err
			s.Close()
			continue
		}
		return s, nil
	}
	return nil, lastErr
}

func (s *Server) args() []string {
	a := []string{
		"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--dir", s.Dir,
		"--daemonize", "no", "--protected-mode", "no", "--save", "", "--logfile", "",
	}
	if s.opts.AppendFsync != "" {
		a = append(a, "--appendonly", "yes", "--appendfsync", s.opts.AppendFsync)
	} else {
		a = append(a, "--appendonly", "no")
	}
	if s.opts.Cluster {
		a = append(a, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "3000")
	}
	return append(a, s.opts.Args...)
}

func (s *Server) start() error {
	p, err := childproc.Start(s.bin, s.args(), s.Dir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.proc, s.last = p, p
	s.mu.Unlock()
	return p.WaitReady("redis-server", 30*time.Second, func() bool { return pong(s.Addr()) })
}

// Stop shuts the server down cleanly (SIGTERM: it writes its files), or
// kills it after 20 s.
func (s *Server) Stop() error { return s.halt(false) }

// Kill ends the server with SIGKILL, as a crash would: only what its
// persistence settings wrote survives.
func (s *Server) Kill() error { return s.halt(true) }

func (s *Server) halt(kill bool) error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	p.Halt(kill)
	childproc.WaitClosed(s.Addr())
	return nil
}

// Restart starts the server again on the same port and data directory.
func (s *Server) Restart() error {
	_ = s.Stop()
	return s.start()
}

// Start again after Stop or Kill, on the same port and data.
func (s *Server) StartAgain() error { return s.start() }

// Running reports whether the process is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil && s.proc.Running()
}

// Output returns what the server printed so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		return ""
	}
	return s.last.Output()
}

// Close stops the server and removes its data directory.
func (s *Server) Close() {
	_ = s.Kill()
	if s.Dir != "" {
		_ = os.RemoveAll(s.Dir)
	}
}

// Command runs one Redis command against addr with a plain RESP
// connection (no client library) and returns the reply as text: bulk and
// simple strings as they are, integers in decimal, arrays one element a
// line. Errors come back as errors.
func Command(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(c))
}

func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		parts := make([]string, 0, max(n, 0))
		for i := 0; i < n; i++ {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

func pong(addr string) bool {
	r, err := Command(addr, "PING")
	return err == nil && r == "PONG"
}

// freePort returns a free loopback port; for a cluster node, one whose
// cluster bus port (port+10000) is free too.
func freePort(cluster bool) (int, error) {
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !cluster {
			return port, nil
		}
		if port+10000 > 65535 {
			continue
		}
		if bl, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000)); err == nil {
			bl.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port pair for a cluster node")
}
