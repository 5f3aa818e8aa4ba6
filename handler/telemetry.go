package handler

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/telemetry/otelsetup"
)

// appTelemetry is the app's tracing, metrics, tracking logs and Event Grid
// notifications, set up from host.json (tracing, tracking, notifications)
// and the OTEL_* variables. A nil *appTelemetry is off.
type appTelemetry struct {
	p *otelsetup.Providers
}

// startTelemetry reads the settings, warns about what has no effect, and
// returns the runtime options that report to what it started (st's queue
// depth among the metrics).
func startTelemetry(ctx context.Context, fa *funcapp.App, st *durable.Store, get func(string) string, log *slog.Logger) (*appTelemetry, []durable.RuntimeOption, error) {
	dt := &fa.Host.DurableTask
	s, err := otelsetup.Parse(dt, get)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range s.Warnings {
		log.Warn(w)
	}
	if !s.Traces && !s.Metrics && !s.Tracking && s.EventGrid == nil {
		return nil, nil, nil
	}
	service := get("OTEL_SERVICE_NAME")
	if service == "" {
		service = dt.HubName
	}
	p, err := otelsetup.Start(ctx, s, service, dt.HubName, log)
	if err != nil {
		return nil, nil, err
	}
	p.InstallGlobal()
	storeName := strings.ToLower(string(dt.StorageProvider.Type))
	log.Info("durable: telemetry", "traces", s.Traces, "metrics", s.Metrics, "tracking", s.Tracking,
		"eventGrid", s.EventGrid != nil, "traceInputsAndOutputs", s.InputsAndOutputs, "traceReplayEvents", s.ReplayEvents)
	t := p.Telemetry(log, storeName)
	t.Store = st // its queue depth, when it can tell
	return &appTelemetry{p: p}, []durable.RuntimeOption{durable.WithTelemetry(t)}, nil
}

// startExtensionTelemetry sets up what extension mode reports. The host's
// Durable extension records the Durable Task spans and the tracking logs
// and publishes to Event Grid (it reads the same host.json), so this
// process only exports the spans and metrics of user code, which runs in
// the trace the host sends with each invocation (internal/extension).
func startExtensionTelemetry(ctx context.Context, fa *funcapp.App, get func(string) string, log *slog.Logger) (*appTelemetry, error) {
	// Event Grid is the host's: its key setting need not reach the worker.
	dt := fa.Host.DurableTask
	dt.EventGrid = nil
	s, err := otelsetup.Parse(&dt, get)
	if err != nil {
		return nil, err
	}
	for _, w := range s.Warnings {
		log.Warn(w)
	}
	s.Tracking = false // the host writes the tracking logs
	if !s.Traces && !s.Metrics {
		return nil, nil
	}
	service := get("OTEL_SERVICE_NAME")
	if service == "" {
		service = dt.HubName
	}
	p, err := otelsetup.Start(ctx, s, service, dt.HubName, log)
	if err != nil {
		return nil, err
	}
	p.InstallGlobal()
	log.Info("durable: telemetry (extension mode: user code's spans and metrics; the host records the Durable Task spans)",
		"traces", s.Traces, "metrics", s.Metrics)
	return &appTelemetry{p: p}, nil
}

// wrap gives each request a server span, continuing the caller's trace
// (W3C traceparent): a starter's create_orchestration span, and so the
// whole orchestration, sits under the request that started it.
func (t *appTelemetry) wrap(h http.Handler) http.Handler {
	if t == nil || t.p.TracerProvider() == nil {
		return h
	}
	tracer := t.p.TracerProvider().Tracer("github.com/godurable/durablefunctions/handler")
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer span.End()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// shutdown flushes spans and metrics and drains Event Grid.
func (t *appTelemetry) shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.p.Shutdown(ctx)
}
