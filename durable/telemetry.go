package durable

import (
	"log/slog"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/telemetry"
)

// Telemetry says what a runtime reports about the work it runs: OpenTelemetry
// spans and metrics, tracking log lines, and lifecycle notifications. Every
// field is optional; a runtime without WithTelemetry pays nothing for it.
//
// Only the OpenTelemetry API is linked here: bring your own SDK, or let
// package handler set one up from the OTEL_* environment variables.
type Telemetry struct {
	// TracerProvider receives the spans: create_orchestration:{name},
	// orchestration:{name}, activity:{name}, orchestration:{name}:timer,
	// entity:{name}:{operation} and orchestration_event:{name}, one trace
	// from the starter to the last activity. Build an SDK provider with
	// sdktrace.WithIDGenerator(durable.TraceIDGenerator{}): an
	// orchestration's span is emitted when it ends but its children before,
	// so its id is chosen in advance.
	TracerProvider trace.TracerProvider
	// MeterProvider receives the metrics (durabletask.orchestration.started,
	// durabletask.orchestration.ended, durabletask.activity.duration, ...;
	// see docs/observability.md).
	MeterProvider metric.MeterProvider
	// StoreName labels the metrics (durabletask.store).
	StoreName string
	// Store, with MeterProvider, is read for the queue-depth gauges
	// (durabletask.queue.messages, .instances, .oldest_age) each time the
	// metrics are collected. The SQLite, Redis and Azure Storage stores
	// can tell their depth; with another store, or nil, there are no
	// gauges.
	Store *Store
	// Logger, when set, receives a tracking line for each lifecycle event
	// of each orchestration (started, activity scheduled, timer fired, ...).
	Logger *slog.Logger
	// TraceInputsAndOutputs puts inputs and outputs in spans and tracking
	// lines (host.json tracing.traceInputsAndOutputs); otherwise only
	// their sizes are logged.
	TraceInputsAndOutputs bool
	// TraceReplayEvents also logs, each episode, the events the
	// orchestration replays (host.json tracing.traceReplayEvents).
	TraceReplayEvents bool
	// OnLifecycle is called when an orchestration starts, completes, fails
	// or is terminated, once the change is stored. It runs on the
	// dispatcher: hand the event off, do not block.
	OnLifecycle func(LifecycleEvent)
}

// LifecycleEvent is an orchestration's change of state: its InstanceID,
// ExecutionID and Name; Status, Running (it started), Completed, Failed or
// Terminated; Reason, the failure message or the termination reason; and
// Time, when the change was stored.
type LifecycleEvent = telemetry.Lifecycle

// TraceIDGenerator is an OpenTelemetry SDK IDGenerator (pass it to
// sdktrace.WithIDGenerator): random ids, but the ones the runtime chose in
// advance for orchestration spans.
type TraceIDGenerator = telemetry.IDGenerator

// TraceContext is the W3C trace context a history event carries
// (ExecutionStarted's ParentTraceContext: the span that started the
// instance).
type TraceContext = history.TraceContext

// WithTelemetry reports the runtime's work as t says.
func WithTelemetry(t Telemetry) RuntimeOption {
	return func(o *runtimeOptions) {
		cfg := telemetry.Config{Store: t.StoreName, Logger: t.Logger,
			InputsAndOutputs: t.TraceInputsAndOutputs, ReplayEvents: t.TraceReplayEvents}
		if t.TracerProvider != nil {
			cfg.Tracer = t.TracerProvider.Tracer(telemetry.ScopeName)
		}
		if t.MeterProvider != nil {
			cfg.Meter = t.MeterProvider.Meter(telemetry.ScopeName)
			if d, ok := store.Unwrap(t.Store).(store.QueueDepther); ok {
				cfg.Depth = d
			}
		}
		cfg.Lifecycle = t.OnLifecycle
		if obs := telemetry.New(cfg); obs != nil {
			o.engine.Observer = obs
		} else {
			o.engine.Observer = nil
		}
	}
}
