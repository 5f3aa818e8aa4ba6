package handler

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/provider"
)

// Mode is how the binary was started.
type Mode int

const (
	// Standalone: no Functions host; the binary serves the app itself.
	Standalone Mode = iota
	// BehindHost: the Functions host invokes the binary (custom handler).
	BehindHost
)

// String names the mode for the startup log.
func (m Mode) String() string {
	if m == BehindHost {
		return "custom handler behind the Functions host"
	}
	return "standalone"
}

// Options are the command line and environment settings of a run.
type Options struct {
	Mode   Mode
	AppDir string
	Addr   string
	// Logger receives the app's logs; nil means slog.Default().
	Logger *slog.Logger
	// Server timeouts; zero takes DefaultReadHeaderTimeout,
	// DefaultReadTimeout (the whole request, body included) and
	// DefaultIdleTimeout (keep-alive connections).
	ReadHeaderTimeout, ReadTimeout, IdleTimeout time.Duration
}

// ParseOptions reads the flags (--app, --addr) and the environment
// (FUNCTIONS_CUSTOMHANDLER_PORT, FUNCTIONS_APP_ROOT_PATH, PORT).
func ParseOptions(args []string, getenv func(string) string) (*Options, error) {
	fs := flag.NewFlagSet("handler", flag.ContinueOnError)
	appDir := fs.String("app", "", "function app directory (default: FUNCTIONS_APP_ROOT_PATH or the working directory)")
	addr := fs.String("addr", "", "standalone listen address (default 127.0.0.1:7071, or 127.0.0.1:$PORT)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o := &Options{AppDir: *appDir, Addr: *addr}
	if o.AppDir == "" {
		o.AppDir = getenv("FUNCTIONS_APP_ROOT_PATH")
	}
	if o.AppDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		o.AppDir = wd
	}
	abs, err := filepath.Abs(o.AppDir)
	if err != nil {
		return nil, err
	}
	o.AppDir = abs
	if port := firstNonEmpty(getenv("FUNCTIONS_CUSTOMHANDLER_PORT"), getenv("FUNCTIONS_HTTPWORKER_PORT")); port != "" {
		o.Mode = BehindHost
		o.Addr = net.JoinHostPort("127.0.0.1", port)
		return o, nil
	}
	if o.Addr == "" {
		port := getenv("PORT")
		if port == "" {
			port = "7071"
		}
		o.Addr = net.JoinHostPort("127.0.0.1", port)
	}
	return o, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// isLoopback reports whether a listen address only accepts local
// connections.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// openStore opens the store host.json and the settings choose: SQLite and
// memory are built in, the others come from the app's providers (App.Use).
func openStore(ctx context.Context, app *App, fa *funcapp.App, log *slog.Logger) (*durable.Store, []durable.RuntimeOption, error) {
	dt := fa.Host.DurableTask
	choice := dt.ResolveStorage(fa.Dir, fa.Settings)
	log.Info("durable: store selected", "store", string(choice.Type), "reason", choice.Reason, "hub", dt.HubName)
	switch choice.Type {
	case funcapp.StorageMemory:
		return durable.NewMemoryStore(), nil, nil
	case funcapp.StorageSQLite:
		if err := os.MkdirAll(filepath.Dir(choice.Path), 0o755); err != nil {
			return nil, nil, fmt.Errorf("create the directory of %s: %w", choice.Path, err)
		}
		s, err := sqlitestore.Open(ctx, choice.Path)
		return s, nil, err
	case funcapp.StorageRedis, funcapp.StorageAzureStorage:
		if p := app.storeProvider(choice.Type); p != nil {
			return p.Open(ctx, provider.StoreRequest{App: fa, Choice: choice, Logger: log})
		}
		err := provider.StoreHint(choice.Type).Missing(fmt.Sprintf("the store is %s (%s)", choice.Type, choice.Reason))
		if dt.StorageProvider.Type == funcapp.StorageUnset {
			// Chosen because a connection setting has a value, not by
			// host.json: keeping the embedded store is the other fix.
			err = fmt.Errorf(`%w; or, to keep the embedded SQLite store, set extensions.durableTask.storageProvider.type to "sqlite" in host.json`, err)
		}
		return nil, nil, err
	}
	return nil, nil, errors.New("no store selected: set extensions.durableTask.storageProvider.type in host.json")
}

func concurrency(dt *funcapp.DurableTaskConfig) durable.RuntimeOption {
	return durable.WithConcurrency(dt.MaxConcurrentOrchestratorFunctions, dt.MaxConcurrentActivityFunctions, dt.MaxConcurrentEntityFunctions)
}

// limits applies host.json's maxOrchestrationActions, and
// maxEntityOperationBatchSize when host.json sets it (the engine's own
// default batch, 100, is smaller than Durable Functions' 5,000 and keeps
// an entity's batch short), the versioning keys when host.json sets
// any of them, and extendedSessionsEnabled with its idle timeout.
func limits(dt *funcapp.DurableTaskConfig) []durable.RuntimeOption {
	opts := []durable.RuntimeOption{durable.WithMaxOrchestrationActions(dt.MaxOrchestrationActions)}
	if dt.ExtendedSessionsEnabled {
		opts = append(opts, durable.WithExtendedSessions(dt.ExtendedSessionIdleTimeout))
	}
	if v, ok := versioning(dt); ok {
		opts = append(opts, durable.WithVersioning(v))
	}
	for k := range dt.Raw {
		if strings.EqualFold(k, "maxEntityOperationBatchSize") {
			opts = append(opts, durable.WithMaxEntityBatchSize(dt.MaxEntityOperationBatchSize))
		}
	}
	return opts
}

// retentionKey is this runtime's host.json extension: finished instances
// older than this TimeSpan are purged automatically.
const retentionKey = "finishedInstanceRetention"

// retention reads extensions.durableTask.finishedInstanceRetention.
func retention(dt *funcapp.DurableTaskConfig) ([]durable.RuntimeOption, error) {
	for k, v := range dt.Raw {
		if !strings.EqualFold(k, retentionKey) {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("host.json: extensions.durableTask.%s: want a TimeSpan string such as \"7.00:00:00\", got %v", retentionKey, v)
		}
		d, err := funcapp.ParseTimeSpan(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("host.json: extensions.durableTask.%s: want a positive TimeSpan such as \"7.00:00:00\", got %q", retentionKey, s)
		}
		return []durable.RuntimeOption{durable.WithRetention(d)}, nil
	}
	return nil, nil
}

// versioning turns host.json's defaultVersion, versionMatchStrategy and
// versionFailureStrategy into the runtime's versioning (funcapp has
// checked their values).
func versioning(dt *funcapp.DurableTaskConfig) (durable.Versioning, bool) {
	c := dt.Versioning
	if !c.Enabled {
		return durable.Versioning{}, false
	}
	match, _ := durable.ParseVersionMatchStrategy(c.MatchStrategy)
	fail, _ := durable.ParseVersionFailureStrategy(c.FailureStrategy)
	return durable.Versioning{DefaultVersion: c.DefaultVersion, MatchStrategy: match, FailureStrategy: fail}, true
}
