package otelsetup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/eventgrid"
)

// Providers are the SDK parts Start built; nil fields are off.
type Providers struct {
	settings  Settings
	Tracer    *sdktrace.TracerProvider
	Meter     *sdkmetric.MeterProvider
	EventGrid *eventgrid.Publisher
}

// Start builds what s asks for. The OTLP exporters read their endpoint,
// headers, timeout and TLS settings from the OTEL_EXPORTER_OTLP_*
// variables themselves, the SDK its sampler (OTEL_TRACES_SAMPLER) and batch
// settings (OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL), and the resource
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; serviceName is the
// default service.name.
func Start(ctx context.Context, s Settings, serviceName, hubName string, log *slog.Logger) (*Providers, error) {
	p := &Providers{settings: s}
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", serviceName)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	if s.Traces {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("OTLP trace exporter: %w", err)
		}
		p.Tracer = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
			sdktrace.WithIDGenerator(durable.TraceIDGenerator{}))
	}
	if s.Metrics {
		exp, err := otlpmetrichttp.New(ctx)
		if err != nil {
			_ = p.Shutdown(ctx)
			return nil, fmt.Errorf("OTLP metric exporter: %w", err)
		}
		p.Meter = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)), sdkmetric.WithResource(res))
	}
	if s.EventGrid != nil {
		cfg := *s.EventGrid
		cfg.HubName, cfg.Logger = hubName, log
		if p.EventGrid, err = eventgrid.New(cfg); err != nil {
			_ = p.Shutdown(ctx)
			return nil, err
		}
	}
	return p, nil
}

// Telemetry is the runtime option's value: what to report, to whom.
func (p *Providers) Telemetry(log *slog.Logger, storeName string) durable.Telemetry {
	t := durable.Telemetry{StoreName: storeName, TraceInputsAndOutputs: p.settings.InputsAndOutputs,
		TraceReplayEvents: p.settings.ReplayEvents}
	if p.settings.Tracking {
		t.Logger = log
	}
	if p.Tracer != nil {
		t.TracerProvider = p.Tracer
	}
	if p.Meter != nil {
		t.MeterProvider = p.Meter
	}
	if eg := p.EventGrid; eg != nil {
		t.OnLifecycle = eg.Publish
	}
	return t
}

// InstallGlobal makes the providers (those that are on) and the W3C Trace
// Context propagator OpenTelemetry's global ones, so that the spans user
// code starts with otel.Tracer (and instrumented libraries such as
// otelhttp) are exported with the runtime's, as children of the span the
// code runs in.
func (p *Providers) InstallGlobal() {
	if p.Tracer != nil {
		otel.SetTracerProvider(p.Tracer)
	}
	if p.Meter != nil {
		otel.SetMeterProvider(p.Meter)
	}
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}

// TracerProvider returns the tracer provider, or nil with tracing off.
func (p *Providers) TracerProvider() trace.TracerProvider {
	if p.Tracer == nil {
		return nil
	}
	return p.Tracer
}

// Shutdown flushes spans and metrics and sends queued notifications,
// until ctx ends.
func (p *Providers) Shutdown(ctx context.Context) error {
	var errs []error
	if p.Tracer != nil {
		errs = append(errs, p.Tracer.Shutdown(ctx))
	}
	if p.Meter != nil {
		errs = append(errs, p.Meter.Shutdown(ctx))
	}
	if p.EventGrid != nil {
		errs = append(errs, p.EventGrid.Close(ctx))
	}
	return errors.Join(errs...)
}
