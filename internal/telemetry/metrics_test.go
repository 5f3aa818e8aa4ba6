package telemetry_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/telemetry"
)

// After three Workflows and one Failing orchestration, the counts are what
// that workload must produce, whatever the timing.
func TestMetricsCountAKnownWorkload(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	rt := newRuntime(t, durable.NewMemoryStore(), durable.WithTelemetry(durable.Telemetry{MeterProvider: mp, StoreName: "memory"}))
	c := rt.Client()
	for i := 0; i < 3; i++ {
		runWorkflow(t, noop.NewTracerProvider(), c, false)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := failing.Start(ctx, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := c.WaitForCompletion(ctx, id); err != nil || st.RuntimeStatus != durable.StatusFailed {
		t.Fatalf("Failing: %v %v", st, err)
	}

	_ = rt.Stop(ctx) // waits for the dispatchers, which record after each commit
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		metric string
		attrs  map[string]string
		want   int64
	}{
		{"three Workflows started", telemetry.MetricStarted, map[string]string{"durabletask.task.name": "Workflow"}, 3},
		{"three Child sub-orchestrations started", telemetry.MetricStarted, map[string]string{"durabletask.task.name": "Child"}, 3},
		{"three Workflows completed", telemetry.MetricEnded, map[string]string{"durabletask.task.name": "Workflow", "durabletask.task.status": "Completed"}, 3},
		{"one Failing failed", telemetry.MetricEnded, map[string]string{"durabletask.task.name": "Failing", "durabletask.task.status": "Failed"}, 1},
		{"nine Hello activities timed", telemetry.MetricActivity, map[string]string{"durabletask.task.name": "Hello", "durabletask.task.status": "Completed"}, 9},
		{"nine Square activities timed", telemetry.MetricActivity, map[string]string{"durabletask.task.name": "Square"}, 9},
		{"three entity operations counted", telemetry.MetricEntityOps, map[string]string{"durabletask.task.name": "counter", "durabletask.entity.operation": "add"}, 3},
		{"the store is named", telemetry.MetricStarted, map[string]string{"durabletask.store": "memory"}, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sum(rm, tc.metric, tc.attrs); got != tc.want {
				t.Errorf("%s%v = %d, want %d", tc.metric, tc.attrs, got, tc.want)
			}
		})
	}
	if got := sum(rm, telemetry.MetricEpisode, map[string]string{"durabletask.work_item.kind": "orchestration"}); got < 4*2 {
		t.Errorf("%d orchestration episodes timed; each instance takes at least two", got)
	}
}

// sum adds the counter values (or histogram counts) of metric over the
// data points whose attributes include attrs.
func sum(rm metricdata.ResourceMetrics, metric string, attrs map[string]string) int64 {
	match := func(set attribute.Set) bool {
		for k, v := range attrs {
			if got, ok := set.Value(attribute.Key(k)); !ok || got.Emit() != v {
				return false
			}
		}
		return true
	}
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != metric {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						n += p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						n += int64(p.Count)
					}
				}
			}
		}
	}
	return n
}
