package durable

import (
	"context"
	"log/slog"
	"time"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// Store is where a task hub keeps its state: memory ([NewMemoryStore]), an
// embedded SQLite file (package durable/sqlitestore) or Azure Storage
// (package durable/azurestore). Its one method is Close; a [Runtime] closes
// its store when it closes.
type Store = store.Handle

// Runtime runs a task hub: it dispatches orchestrations, activities and
// entities registered in a Registry over a Store, and hands out Clients.
type Runtime struct {
	reg    *Registry
	store  store.Store
	engine *engine.Engine
	client *Client
	// sessions holds parked orchestrations (WithExtendedSessions); nil
	// when extended sessions are off.
	sessions *sessionCache
}

// RuntimeOption configures NewRuntime.
type RuntimeOption func(*runtimeOptions)

type runtimeOptions struct {
	engine   engine.Options
	sessions sessionOptions
}

// WithLogger sends the runtime's and the orchestrations' logs to l.
func WithLogger(l *slog.Logger) RuntimeOption {
	return func(o *runtimeOptions) { o.engine.Logger = l }
}

// WithConcurrency bounds the orchestrations, activities and entities that
// run at once (host.json maxConcurrent*Functions); zero keeps a default.
func WithConcurrency(orchestrations, activities, entities int) RuntimeOption {
	return func(o *runtimeOptions) {
		o.engine.MaxConcurrentOrchestrations = orchestrations
		o.engine.MaxConcurrentActivities = activities
		o.engine.MaxConcurrentEntities = entities
	}
}

// WithMaxEntityBatchSize bounds the operations an entity runs in one batch
// (host.json maxEntityOperationBatchSize); zero keeps the default (100).
func WithMaxEntityBatchSize(n int) RuntimeOption {
	return func(o *runtimeOptions) { o.engine.MaxEntityBatchSize = n }
}

// WithMaxOrchestrationActions fails an orchestration execution that takes
// more than n actions (activity calls, timers, sub-orchestrations, entity
// messages), as host.json's maxOrchestrationActions does (default 100,000).
func WithMaxOrchestrationActions(n int) RuntimeOption {
	return func(o *runtimeOptions) { o.engine.MaxOrchestrationActions = n }
}

// WithRetention purges, in the background, instances that finished (completed,
// failed, terminated) longer than d ago, history included.
func WithRetention(d time.Duration) RuntimeOption {
	return func(o *runtimeOptions) { o.engine.Retention = d }
}

// WithMaxTimerInterval chains timers longer than max from legs of interval
// (Azure Storage: 6 days and 3 days).
func WithMaxTimerInterval(max, interval time.Duration) RuntimeOption {
	return func(o *runtimeOptions) {
		o.engine.MaxTimerInterval, o.engine.LongTimerInterval = max, interval
	}
}

// Clock tells the runtime the time. The test kit substitutes a virtual
// clock; everything else uses the wall clock.
type Clock interface {
	Now() time.Time
	// After is like time.After on this clock.
	After(d time.Duration) <-chan time.Time
}

// WithClock runs the runtime (and its client) on c instead of the wall
// clock. The store must use the same clock (NewMemoryStore(WithStoreClock(c))).
func WithClock(c Clock) RuntimeOption {
	return func(o *runtimeOptions) { o.engine.Clock = c }
}

// NewRuntime returns a runtime for reg over st. Call Start to begin
// processing.
func NewRuntime(reg *Registry, st *Store, opts ...RuntimeOption) *Runtime {
	be := store.Unwrap(st)
	var o runtimeOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.engine.Clock == nil {
		o.engine.Clock = store.SystemClock{}
	}
	log := o.engine.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Activities get the client, so it exists before the engine that runs
	// them: an activity redelivered at startup can already use it.
	client := &Client{be: be, reg: reg, clock: o.engine.Clock, version: o.engine.Versioning.Version}
	sessions := newSessionCache(o.sessions, o.engine.Clock)
	client.eng = engine.New(be, executor{r: reg, log: log, clock: o.engine.Clock, client: client, sessions: sessions}, o.engine)
	return &Runtime{reg: reg, store: be, engine: client.eng, client: client, sessions: sessions}
}

// Start begins dispatching work.
func (rt *Runtime) Start() { rt.engine.Start() }

// Stop stops taking work and waits (until ctx ends) for work in flight,
// then closes the extended sessions it kept.
func (rt *Runtime) Stop(ctx context.Context) error {
	err := rt.engine.Stop(ctx)
	if rt.sessions != nil {
		rt.sessions.close()
	}
	return err
}

// Close stops the runtime and closes its store.
func (rt *Runtime) Close(ctx context.Context) error {
	err := rt.Stop(ctx)
	if cerr := rt.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// Client returns a client for the runtime's task hub.
func (rt *Runtime) Client() *Client { return rt.client }

// Registry returns the runtime's registry.
func (rt *Runtime) Registry() *Registry { return rt.reg }

// executor adapts a Registry to the engine.
type executor struct {
	r        *Registry
	log      *slog.Logger
	clock    Clock
	client   *Client
	sessions *sessionCache
}

func (x executor) RunOrchestration(name string, ep replay.Episode, opts replay.Options) *replay.Result {
	if x.sessions == nil {
		return x.r.runOrchestration(name, ep, opts)
	}
	fn, missing := x.r.orchestrator(name)
	if missing != nil {
		return missing
	}
	return x.sessions.run(name, fn, ep, opts)
}

func (x executor) RunActivity(ctx context.Context, name, instanceID, input string) (string, *history.FailureDetails) {
	return x.r.runActivity(ctx, x.client, name, instanceID, input)
}
