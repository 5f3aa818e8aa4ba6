package telemetry

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Config says what an Observer reports. Every part is optional; a zero
// Config reports nothing.
type Config struct {
	// Tracer receives the spans (nil: no tracing). Its provider should use
	// IDGenerator.
	Tracer trace.Tracer
	// Meter records the metrics (nil: no metrics).
	Meter metric.Meter
	// Store names the store in metric attributes ("memory", "sqlite", ...).
	Store string
	// Depth, with Meter, is read for the queue-depth gauges (nil: no
	// gauges; a store without the capability has none).
	Depth store.QueueDepther
	// Now tells the queue-depth gauges the time (default time.Now); tests
	// give the store's clock.
	Now func() time.Time
	// Logger receives the tracking log lines (nil: none).
	Logger *slog.Logger
	// InputsAndOutputs adds inputs and outputs to spans and tracking logs
	// (host.json tracing/tracking.traceInputsAndOutputs).
	InputsAndOutputs bool
	// ReplayEvents logs, each episode, the lifecycle events the
	// orchestration replays (traceReplayEvents).
	ReplayEvents bool
	// Lifecycle, when set, is called when an orchestration starts and ends
	// (Event Grid notifications). It must not block.
	Lifecycle func(Lifecycle)
}

// Lifecycle is an orchestration's change of state, as Durable Functions
// publishes it to Event Grid.
type Lifecycle struct {
	InstanceID  string
	ExecutionID string
	Name        string
	// Status is Running (started), Completed, Failed or Terminated.
	Status history.RuntimeStatus
	// Reason is the failure message or the termination reason.
	Reason string
	Time   time.Time
}

// Observer implements engine.Observer from a Config.
type Observer struct {
	cfg     Config
	metrics *metrics
}

var _ engine.Observer = (*Observer)(nil)

// New returns an observer reporting what cfg asks for, or nil (no
// observer, no cost) when cfg asks for nothing.
func New(cfg Config) *Observer {
	// OpenTelemetry's no-op API (what an app has before it installs an
	// SDK) records nothing: treat it as absent, so that it costs no more
	// than no tracing at all.
	if _, ok := cfg.Tracer.(tracenoop.Tracer); ok {
		cfg.Tracer = nil
	}
	if _, ok := cfg.Meter.(metricnoop.Meter); ok {
		cfg.Meter = nil
	}
	if cfg.Tracer == nil && cfg.Meter == nil && cfg.Logger == nil && cfg.Lifecycle == nil {
		return nil
	}
	o := &Observer{cfg: cfg}
	if cfg.Meter != nil {
		o.metrics = newMetrics(cfg.Meter, cfg.Store)
		if cfg.Depth != nil {
			now := cfg.Now
			if now == nil {
				now = time.Now
			}
			registerQueueDepth(cfg.Meter, o.metrics.store, cfg.Depth, now)
		}
	}
	return o
}

// Creating stamps a new instance's start with the create_orchestration span.
func (o *Observer) Creating(ctx context.Context, start *history.Event) {
	if o.cfg.Tracer != nil {
		o.createSpan(ctx, start)
	}
}

// Committing records the episode's time and stamps the trace context on the
// work the commit sends.
func (o *Observer) Committing(wi *store.OrchestrationWorkItem, kind store.WorkKind, c *store.OrchestrationCommit, took time.Duration) {
	if o.metrics != nil {
		o.metrics.episode(wi, kind, took)
	}
	if o.cfg.Tracer == nil {
		return
	}
	if kind == store.Orchestrations {
		stampCommit(wi, c)
	} else {
		stampEntityCommit(wi, c)
	}
}

// Committed reports what the commit made happen: spans, metrics, tracking
// logs and lifecycle notifications, each once.
func (o *Observer) Committed(wi *store.OrchestrationWorkItem, kind store.WorkKind, c *store.OrchestrationCommit) {
	if kind == store.Entities {
		o.entityBatch(wi, c)
		return
	}
	ch := newChanges(wi, c)
	if o.cfg.Logger != nil {
		o.track(ch)
	}
	for _, ex := range ch.ended {
		o.ended(ch, ex)
	}
	if ch.started != nil {
		o.startedExecution(ch)
	}
	if o.cfg.Tracer != nil {
		o.taskSpans(ch)
	}
}

// Sending records an event or entity signal a client sends.
func (o *Observer) Sending(ctx context.Context, m *store.Message) {
	if o.cfg.Tracer != nil {
		o.sendSpan(ctx, m)
	}
}

// ActivityStarting opens the activity's span.
func (o *Observer) ActivityStarting(ctx context.Context, wi *store.ActivityWorkItem) context.Context {
	if o.cfg.Logger != nil {
		o.trackActivity(wi, nil)
	}
	if o.cfg.Tracer == nil {
		return ctx
	}
	return o.startActivitySpan(ctx, wi)
}

// ActivityDone closes the activity's span and records its duration.
func (o *Observer) ActivityDone(ctx context.Context, wi *store.ActivityWorkItem, result *history.Event, started time.Time) {
	if o.metrics != nil {
		o.metrics.activity(wi.Event.Name, result, time.Since(started))
	}
	if o.cfg.Logger != nil {
		o.trackActivity(wi, result)
	}
	if o.cfg.Tracer != nil {
		endActivitySpan(ctx, result, o.cfg.InputsAndOutputs)
	}
}

// ScopeName is the instrumentation scope of the runtime's spans and metrics.
const ScopeName = "github.com/godurable/durablefunctions"
