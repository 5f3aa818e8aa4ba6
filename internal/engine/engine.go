package engine

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// Executor runs user code. durable.Registry implements it.
type Executor interface {
	RunOrchestration(name string, ep replay.Episode, opts replay.Options) *replay.Result
	RunActivity(ctx context.Context, name, instanceID, input string) (string, *history.FailureDetails)
}

// EntityExecutor runs a batch of entity operations; optional.
type EntityExecutor interface {
	RunEntityBatch(ctx context.Context, req *EntityBatch) *EntityBatchResult
}

// Options configure an Engine. Zero values take the defaults noted.
type Options struct {
	// MaxConcurrentOrchestrations bounds orchestration episodes in flight
	// (default 10 × cores).
	MaxConcurrentOrchestrations int
	// MaxConcurrentActivities bounds activities in flight (default 10 × cores).
	MaxConcurrentActivities int
	// MaxConcurrentEntities bounds entity batches in flight (default 10 × cores).
	MaxConcurrentEntities int
	// MaxTimerInterval is the longest single timer the store supports
	// (0: unlimited); LongTimerInterval the leg used to chain longer ones.
	MaxTimerInterval  time.Duration
	LongTimerInterval time.Duration
	// MaxDequeueCount: a message or activity delivered this many times
	// without being completed fails its instance or activity (default 20).
	MaxDequeueCount int
	// MaxEntityBatchSize bounds the operations one entity runs per batch
	// (default 100).
	MaxEntityBatchSize int
	// MaxOrchestrationActions bounds the actions one execution may take
	// (host.json maxOrchestrationActions; default 100,000).
	MaxOrchestrationActions int
	// Retention, when positive, purges instances that finished longer ago
	// than this, in the background.
	Retention time.Duration
	// Versioning stamps and checks orchestration versions (host.json
	// defaultVersion, versionMatchStrategy, versionFailureStrategy).
	Versioning Versioning
	// Observer, when set, sees commits and activities (observe.go).
	Observer Observer
	Logger   *slog.Logger
	Clock    store.Clock
}

// Engine runs dispatchers over a backend.
type Engine struct {
	be       store.Store
	exec     Executor
	entities EntityExecutor
	opts     Options
	log      *slog.Logger
	clock    store.Clock

	watch watchers
	// inline holds a slot per inline start episode in flight (inline.go),
	// handoffs one per result hand-off episode (handoff.go). They are
	// apart so that a burst of starts, which wait for a slot, cannot
	// starve the hand-offs, which do not wait: a result that finds no
	// slot goes through the queue, three commits where one would do.
	inline, handoffs chan struct{}
	// pending counts activity results queued for the store's commit and
	// not settled yet (activity_async.go); queued holds a slot per such
	// result, so that results outrunning the writer wait for their
	// commit instead of piling up in memory.
	pending sync.WaitGroup
	queued  chan struct{}

	mu      sync.Mutex
	cancel  context.CancelFunc
	workCtx context.Context
	wg      sync.WaitGroup
	started bool
}

// New returns an engine; call Start to run its dispatchers.
func New(be store.Store, exec Executor, opts Options) *Engine {
	cores := runtime.GOMAXPROCS(0)
	if opts.MaxConcurrentOrchestrations <= 0 {
		opts.MaxConcurrentOrchestrations = 10 * cores
	}
	if opts.MaxConcurrentActivities <= 0 {
		opts.MaxConcurrentActivities = 10 * cores
	}
	if opts.MaxConcurrentEntities <= 0 {
		opts.MaxConcurrentEntities = 10 * cores
	}
	if opts.MaxDequeueCount <= 0 {
		opts.MaxDequeueCount = 20
	}
	if opts.MaxEntityBatchSize <= 0 {
		opts.MaxEntityBatchSize = 100
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = store.SystemClock{}
	}
	e := &Engine{be: be, exec: exec, opts: opts, log: opts.Logger, clock: opts.Clock,
		inline:   make(chan struct{}, opts.MaxConcurrentOrchestrations),
		handoffs: make(chan struct{}, opts.MaxConcurrentOrchestrations),
		queued:   make(chan struct{}, maxQueuedResultsPerWorker*opts.MaxConcurrentActivities)}
	if ee, ok := exec.(EntityExecutor); ok {
		e.entities = ee
	}
	return e
}

// Store returns the engine's store.
func (e *Engine) Store() store.Store { return e.be }

// Start launches the dispatchers. They run until Stop.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return
	}
	e.started = true
	e.workCtx, e.cancel = context.WithCancel(context.Background())
	e.spawn(e.opts.MaxConcurrentOrchestrations, func(ctx context.Context) error {
		return e.orchestrationLoop(ctx, store.Orchestrations)
	})
	if e.entities != nil {
		e.spawn(e.opts.MaxConcurrentEntities, func(ctx context.Context) error {
			return e.orchestrationLoop(ctx, store.Entities)
		})
	}
	e.spawn(e.opts.MaxConcurrentActivities, e.activityLoop)
	if e.opts.Retention > 0 {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.retain(e.workCtx)
		}()
	}
}

func (e *Engine) spawn(n int, loop func(context.Context) error) {
	for i := 0; i < n; i++ {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			for {
				err := loop(e.workCtx)
				if err == nil {
					continue
				}
				if e.workCtx.Err() != nil || errors.Is(err, store.ErrClosed) {
					return
				}
				e.log.Warn("durable: dispatcher error; retrying", "error", err)
				select {
				case <-e.workCtx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
	}
}

// Stop stops taking new work and waits for work in flight to finish or for
// ctx to end. Work still running when ctx ends is abandoned by the store's
// lock expiry (or, for in-process stores, is simply redelivered on the next
// start).
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	if !e.started {
		e.mu.Unlock()
		return nil
	}
	e.started = false
	cancel := e.cancel
	e.mu.Unlock()
	cancel()
	done := make(chan struct{})
	// Results queued by CompleteActivityWorkItemAsync are waited for too,
	// once no dispatcher can queue more.
	go func() { e.wg.Wait(); e.pending.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
