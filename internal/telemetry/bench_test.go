package telemetry_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/godurable/durablefunctions/durable"
)

type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

var chain = durable.NewOrchestrator("Chain", func(ctx *durable.OrchestrationContext, n int) (int, error) {
	for i := 0; i < n; i++ {
		if _, err := square.Call(ctx, i).Await(); err != nil {
			return 0, err
		}
	}
	return n, nil
})

// BenchmarkChainOfTen runs orchestrations of ten chained activities on the
// memory store: every episode replays the history so far, so this is the
// replay and dispatch cost per orchestration, with telemetry off (no
// option), configured with OpenTelemetry's no-op providers (what an app
// gets with the API but no SDK), and with spans and metrics recorded by
// the SDK and discarded. The "off" variant is the same code as the
// benchmark docs/observability.md runs on the commit before telemetry.
//
//	go test -run '^$' -bench ChainOfTen -benchmem -count 6 ./internal/telemetry/
func BenchmarkChainOfTen(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(discardExporter{}), sdktrace.WithIDGenerator(durable.TraceIDGenerator{}))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	variants := []struct {
		name string
		opts []durable.RuntimeOption
	}{
		{"off", nil},
		{"noop-providers", []durable.RuntimeOption{durable.WithTelemetry(durable.Telemetry{
			TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: metricnoop.NewMeterProvider()})}},
		{"traces+metrics", []durable.RuntimeOption{durable.WithTelemetry(durable.Telemetry{TracerProvider: tp, MeterProvider: mp})}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) { benchChain(b, v.opts) })
	}
}

func benchChain(b *testing.B, opts []durable.RuntimeOption) {
	reg := durable.NewRegistry()
	if err := reg.Register(square, chain); err != nil {
		b.Fatal(err)
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore(), opts...)
	rt.Start()
	defer rt.Close(context.Background())
	c := rt.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	const batch = 20
	for i := 0; i < b.N; i += batch {
		ids := make([]string, 0, batch)
		for j := 0; j < batch && i+j < b.N; j++ {
			id, err := chain.Start(ctx, c, 10)
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if st, err := c.WaitForCompletion(ctx, id); err != nil || st.RuntimeStatus != durable.StatusCompleted {
				b.Fatal(fmt.Sprint(st, err))
			}
		}
	}
}
