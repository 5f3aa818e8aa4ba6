// Package azurite starts a private Azurite (the Azure Storage emulator) for
// tests: on free loopback ports, from the copy pinned in tools/azurite
// (install it with `npm ci --prefix tools/azurite`).
//
// When Azurite is not installed or does not start, tests skip loudly with
// the reason and the install command, unless the environment requires it
// (CI set, or DURABLE_REQUIRE_AZURITE=1): then they fail. They never pass
// silently.
package azurite

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/childproc"
)

// Well-known development storage account (the same for every emulator).
const (
	AccountName = "devstoreaccount1"
	AccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// InstallHint is the command that installs the pinned Azurite.
const InstallHint = "npm ci --prefix tools/azurite --no-audit --no-fund"

// ErrNotInstalled reports that no Azurite executable was found.
var ErrNotInstalled = errors.New("azurite is not installed")

// Options tune Start.
type Options struct {
	// InMemory keeps the data in memory (lost on Stop/Restart). The default
	// keeps it in a temporary directory so that Restart sees the same data.
	InMemory bool
	// Debug writes Azurite's debug log to this file.
	Debug string
}

// Instance is a running (or stopped) Azurite.
type Instance struct {
	BlobPort, QueuePort, TablePort int
	// Dir is the workspace (empty with InMemory).
	Dir string

	bin     string
	opts    Options
	ownsDir bool

	mu   sync.Mutex
	proc *childproc.Process // nil while stopped
	last *childproc.Process // the latest process, for Output
}

// ConnectionString returns a connection string for the development account
// with explicit endpoints on this instance's ports.
func (i *Instance) ConnectionString() string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;QueueEndpoint=%s;TableEndpoint=%s;",
		AccountName, AccountKey, i.BlobEndpoint(), i.QueueEndpoint(), i.TableEndpoint())
}

// BlobEndpoint is the blob service URL (with the account path).
func (i *Instance) BlobEndpoint() string { return endpoint(i.BlobPort) }

// QueueEndpoint is the queue service URL.
func (i *Instance) QueueEndpoint() string { return endpoint(i.QueuePort) }

// TableEndpoint is the table service URL.
func (i *Instance) TableEndpoint() string { return endpoint(i.TablePort) }

func endpoint(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) + "/" + AccountName }

// service says when tests that need Azurite skip and when they fail.
var service = childproc.Service{Name: "Azurite", RequireEnv: "DURABLE_REQUIRE_AZURITE", InstallHint: "`" + InstallHint + "` from the module root"}

// Required reports whether the environment demands Azurite-backed tests
// run (CI, or DURABLE_REQUIRE_AZURITE=1).
func Required() bool { return service.Required() }

// Start starts an Azurite for one test (stopped by t.Cleanup). When Azurite
// cannot start it skips the test, or fails it if Required().
func Start(t testing.TB) *Instance {
	t.Helper()
	inst, err := StartWith(Options{})
	if err != nil {
		service.Unavailable(t, err)
		return nil
	}
	t.Cleanup(func() { inst.Close() })
	return inst
}

// StartMain starts an Azurite for a whole test binary. The returned func
// stops it and removes its data.
func StartMain() (*Instance, func(), error) {
	inst, err := StartWith(Options{})
	if err != nil {
		return nil, func() {}, err
	}
	return inst, func() { inst.Close() }, nil
}

var (
	shared    *Instance
	sharedErr error = errors.New("azurite.Main was not called in this test binary's TestMain")
)

// Main is a TestMain body: it starts one Azurite for the package, runs the
// tests and stops it. If Azurite cannot start and is Required(), it prints
// the reason and returns 1 without running tests; otherwise tests that call
// Shared skip with the reason.
//
//	func TestMain(m *testing.M) { os.Exit(azurite.Main(m)) }
func Main(m *testing.M) int {
	inst, stop, err := StartMain()
	if err != nil {
		if code := service.MainUnavailable(err); code != 0 {
			return code
		}
		sharedErr = err
	} else {
		shared, sharedErr = inst, nil
	}
	code := m.Run()
	stop()
	return code
}

// Shared returns the package's Azurite started by Main, or skips (fails if
// Required()) when it is unavailable.
func Shared(t testing.TB) *Instance {
	t.Helper()
	if shared == nil {
		service.Unavailable(t, sharedErr)
		return nil
	}
	return shared
}

// StartWith starts an Azurite on free loopback ports.
func StartWith(opts Options) (*Instance, error) {
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ports, err := childproc.FreePorts(3)
		if err != nil {
			return nil, err
		}
		inst := &Instance{BlobPort: ports[0], QueuePort: ports[1], TablePort: ports[2], bin: bin, opts: opts}
		if !opts.InMemory {
			dir, err := os.MkdirTemp("", "azurite-")
			if err != nil {
				return nil, err
			}
			inst.Dir, inst.ownsDir = dir, true
		}
		if err := inst.start(); err != nil {
			lastErr = err
			inst.Close()
			continue
		}
		return inst, nil
	}
	return nil, lastErr
}

func (i *Instance) start() error {
	args := []string{
		"--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
		"--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(i.BlobPort),
		"--queueHost", "127.0.0.1", "--queuePort", strconv.Itoa(i.QueuePort),
		"--tableHost", "127.0.0.1", "--tablePort", strconv.Itoa(i.TablePort),
	}
	if i.opts.InMemory {
		args = append(args, "--inMemoryPersistence")
	} else {
		args = append(args, "--location", i.Dir)
	}
	if i.opts.Debug != "" {
		args = append(args, "--debug", i.opts.Debug)
	}
	p, err := childproc.Start(i.bin, args, i.Dir)
	if err != nil {
		return err
	}
	i.mu.Lock()
	i.proc, i.last = p, p
	i.mu.Unlock()
	// Azurite serves when all three services accept connections.
	return p.WaitReady("azurite", 60*time.Second, func() bool {
		for _, port := range i.ports() {
			if !childproc.Listening(addr(port), time.Second) {
				return false
			}
		}
		return true
	})
}

func (i *Instance) ports() []int { return []int{i.BlobPort, i.QueuePort, i.TablePort} }

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// Stop stops the Azurite process (its whole process group): SIGTERM, then
// SIGKILL after 20 s. Azurite saves its metadata on a clean exit but only
// every 5 s otherwise, so a kill can lose acknowledged writes; the grace
// period keeps Restart faithful to a storage service that never does. The ports stay reserved for Restart only by
// convention: nothing else in the test should take them.
func (i *Instance) Stop() error {
	i.mu.Lock()
	p := i.proc
	i.proc = nil
	i.mu.Unlock()
	if p == nil {
		return nil
	}
	p.Halt(false)
	// Wait until the ports are free again so that Restart can bind them.
	for _, port := range i.ports() {
		childproc.WaitClosed(addr(port))
	}
	return nil
}

// Restart starts Azurite again on the same ports and workspace (the data
// survives unless InMemory).
func (i *Instance) Restart() error {
	i.Stop()
	return i.start()
}

// Running reports whether the process is up.
func (i *Instance) Running() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.proc != nil && i.proc.Running()
}

// Output returns what Azurite printed so far.
func (i *Instance) Output() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.last == nil {
		return ""
	}
	return i.last.Output()
}

// Close stops Azurite and removes its workspace.
func (i *Instance) Close() error {
	err := i.Stop()
	if i.ownsDir && i.Dir != "" {
		os.RemoveAll(i.Dir)
	}
	return err
}

// ModuleRoot walks up from the working directory to the directory holding
// go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// findBinary locates Azurite: $AZURITE_BIN, then
// <module root>/tools/azurite/node_modules/.bin/azurite.
func findBinary() (string, error) {
	if b := os.Getenv("AZURITE_BIN"); b != "" {
		if _, err := os.Stat(b); err != nil {
			return "", fmt.Errorf("AZURITE_BIN=%s: %w", b, err)
		}
		return b, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	b := filepath.Join(root, "tools", "azurite", "node_modules", ".bin", "azurite")
	if _, err := os.Stat(b); err != nil {
		return "", fmt.Errorf("%w: %s not found", ErrNotInstalled, b)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("%w: node is not on PATH (%v)", ErrNotInstalled, err)
	}
	return b, nil
}
