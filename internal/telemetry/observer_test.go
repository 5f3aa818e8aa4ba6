package telemetry_test

import (
	"log/slog"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/godurable/durablefunctions/internal/telemetry"
)

// OpenTelemetry's no-op providers are what an app has with the API and no
// SDK: they record nothing, so they must cost what no telemetry costs,
// which is no observer at all.
func TestNoOpProvidersGiveNoObserver(t *testing.T) {
	cfg := telemetry.Config{
		Tracer: tracenoop.NewTracerProvider().Tracer(telemetry.ScopeName),
		Meter:  metricnoop.NewMeterProvider().Meter(telemetry.ScopeName),
		Store:  "memory",
	}
	if o := telemetry.New(cfg); o != nil {
		t.Fatalf("New with no-op providers = %v, want nil", o)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	if o := telemetry.New(cfg); o == nil {
		t.Fatal("New with a tracking logger = nil, want an observer")
	}
}
