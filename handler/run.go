package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/mgmtapi"
	"github.com/godurable/durablefunctions/internal/store/sidecar"
)

// Main runs app with the process's flags and environment until SIGINT or
// SIGTERM, and exits the process with a clear message when it cannot start.
func Main(app *App) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts, err := ParseOptions(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	opts.Logger = log
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, app, opts); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// Server is a started function app: its runtime and its HTTP server.
type Server struct {
	app     *App
	fa      *funcapp.App
	opts    *Options
	log     *slog.Logger
	runtime *durable.Runtime
	api     *mgmtapi.API // check-status URLs and /runtime/webhooks/durabletask
	fnAPI   *mgmtapi.API // the management API function (/api/durabletask/...)
	http    *http.Server
	ln      net.Listener
	key     string // DURABLETASK_EXTENSION_KEY; guards the standalone admin endpoint too
	tel     *appTelemetry
	// triggers are the timers and queue pollers of standalone mode.
	triggers *standaloneTriggers
	// In extension mode: the executor of durable invocations and the
	// durableClient bindings' clients (runtime, api and fnAPI are nil).
	ext     *extension.Executor
	clients *sidecar.Clients
}

// Start loads the function app in opts.AppDir, checks it against app,
// opens the store, starts the durable runtime and begins serving HTTP.
func Start(ctx context.Context, app *App, opts *Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	settings, err := funcapp.LoadSettings(opts.AppDir, opts.Mode == Standalone, os.Environ())
	if err != nil {
		return nil, err
	}
	fa, err := funcapp.LoadAppWithSettings(opts.AppDir, settings)
	if err != nil {
		return nil, err
	}
	if err := app.check(fa); err != nil {
		return nil, err
	}
	mode, err := extension.DetectMode(opts.AppDir, settings.Get)
	if err != nil {
		return nil, err
	}
	log.Info("durable: mode selected", "mode", mode.Mode.String(), "reason", mode.Reason)
	if mode.Mode == extension.Extended {
		return startExtension(ctx, app, fa, settings.Get, opts, log)
	}
	key := settings.Get("DURABLETASK_EXTENSION_KEY")
	if opts.Mode == Standalone && key == "" && !isLoopback(opts.Addr) {
		return nil, fmt.Errorf("refusing to serve the management API on %s without a key: set DURABLETASK_EXTENSION_KEY or listen on a loopback address", opts.Addr)
	}
	retain, err := retention(&fa.Host.DurableTask)
	if err != nil {
		return nil, err
	}
	store, storeOpts, err := openStore(ctx, app, fa, log)
	if err != nil {
		return nil, fmt.Errorf("open the durable store: %w", err)
	}
	rtOpts := append([]durable.RuntimeOption{durable.WithLogger(log), concurrency(&fa.Host.DurableTask)}, storeOpts...)
	rtOpts = append(rtOpts, retain...)
	rtOpts = append(rtOpts, limits(&fa.Host.DurableTask)...)
	tel, telOpts, err := startTelemetry(ctx, fa, store, settings.Get, log)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	rtOpts = append(rtOpts, telOpts...)
	for _, w := range fa.Host.DurableTask.Warnings {
		log.Warn(w)
	}
	rt := durable.NewRuntime(app.reg, store, rtOpts...)
	s := &Server{app: app, fa: fa, opts: opts, log: log, runtime: rt, key: key, tel: tel}
	if err := s.planTriggers(store); err != nil {
		_ = store.Close()
		return nil, err
	}
	// Behind the host, its forwarding headers are the caller's; standalone,
	// anyone could send them, so they count only when the operator says a
	// proxy in front sets them.
	trustFwd := opts.Mode == BehindHost || isTrue(settings.Get("DURABLETASK_TRUST_FORWARDED_HEADERS"))
	apiOpts := []mgmtapi.Option{mgmtapi.WithHubName(fa.Host.DurableTask.HubName), mgmtapi.WithLogger(log), mgmtapi.WithTrustForwardedHeaders(trustFwd)}
	functionBase := mgmtapi.WithBasePath("/" + fa.Host.RoutePrefix + "/durabletask")
	if opts.Mode == BehindHost {
		s.api = mgmtapi.New(rt.Client(), append(apiOpts, functionBase)...)
		s.fnAPI = s.api
	} else {
		if key != "" {
			apiOpts = append(apiOpts, mgmtapi.WithKey(key))
		}
		apiOpts = slices.Clip(apiOpts) // the two APIs below must not share appended options
		s.api = mgmtapi.New(rt.Client(), append(apiOpts, mgmtapi.WithBasePath("/runtime/webhooks/durabletask"))...)
		// The management API function (route durabletask/{*path}) is
		// served standalone too, at its own path.
		s.fnAPI = mgmtapi.New(rt.Client(), append(apiOpts, functionBase)...)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		_ = store.Close()
		return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	s.ln = ln
	s.http = newHTTPServer(s.tel.wrap(s.router()), opts)
	rt.Start()
	s.startTriggers()
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "error", err)
		}
	}()
	log.Info("durable functions app started", "mode", opts.Mode.String(), "address", "http://"+ln.Addr().String(),
		"functions", len(fa.Functions), "hub", fa.Host.DurableTask.HubName)
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Client returns the app's durable client.
// In extension mode, where the host's extension owns the task hub, it is
// nil: clients come with each invocation's durableClient binding.
func (s *Server) Client() *durable.Client {
	if s.runtime == nil {
		return nil
	}
	return s.runtime.Client()
}

// Shutdown stops serving, lets work in flight finish (until ctx ends) and
// closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopTriggers(ctx)
	err := s.http.Shutdown(ctx)
	if s.clients != nil {
		_ = s.clients.Close()
	}
	if s.runtime != nil {
		if rerr := s.runtime.Close(ctx); err == nil {
			err = rerr
		}
	}
	if terr := s.tel.shutdown(ctx); err == nil {
		err = terr
	}
	return err
}

// Run starts app and serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, app *App, opts *Options) error {
	s, err := Start(ctx, app, opts)
	if err != nil {
		return err
	}
	<-ctx.Done()
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

// Server timeouts, unless Options sets them: a slow client cannot hold a
// connection by trickling headers or a body, and idle keep-alive
// connections are closed. There is no write timeout: a start-and-wait
// request holds its response until the orchestration ends (bounded by its
// own timeout).
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
)

func newHTTPServer(h http.Handler, opts *Options) *http.Server {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: or(opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       or(opts.ReadTimeout, DefaultReadTimeout),
		IdleTimeout:       or(opts.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    1 << 20,
	}
}

func isTrue(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	return err == nil && b
}
