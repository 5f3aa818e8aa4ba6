package otelsetup

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/funcapp"
)

// With OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local collector, a
// finished orchestration's spans and the runtime's metrics arrive there
// over OTLP/HTTP by the time Shutdown returns.
func TestSpansAndMetricsReachAnOTLPCollector(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.Path+" "+r.Header.Get("Content-Type")]++
		mu.Unlock()
	}))
	defer collector.Close()
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	s, err := Parse(&funcapp.DurableTaskConfig{}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := Start(ctx, s, "test-app", "Hub", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hello := durable.NewOrchestrator("Hello", func(ctx *durable.OrchestrationContext, _ any) (string, error) { return "hi", nil })
	reg := durable.NewRegistry()
	if err := reg.Register(hello); err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(reg, durable.NewMemoryStore(), durable.WithTelemetry(p.Telemetry(nil, "memory")))
	rt.Start()
	id, err := hello.Start(ctx, rt.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Client().WaitForCompletion(ctx, id); err != nil {
		t.Fatal(err)
	}
	_ = rt.Close(ctx)
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"/v1/traces application/x-protobuf", "/v1/metrics application/x-protobuf"} {
		if got[want] == 0 {
			t.Errorf("the collector got no %s request: %v", want, got)
		}
	}
}
