package telemetry_test

import (
	"context"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memory"
	"github.com/godurable/durablefunctions/internal/store/sqlite"
	"github.com/godurable/durablefunctions/internal/store/storetest"
	"github.com/godurable/durablefunctions/internal/telemetry"
)

// The gauges read what storetest.FillQueues left in a store, exactly: the
// SQLite and memory stores count the same way (due messages that no work
// item holds).
func TestQueueDepthGauges(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T, clk *storetest.Clock) store.Store
	}{
		{"sqlite", func(t *testing.T, clk *storetest.Clock) store.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hub.db"), sqlite.WithClock(clk))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"memory", func(t *testing.T, clk *storetest.Clock) store.Store {
			return memory.New(memory.WithClock(clk))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := storetest.NewClock()
			st := tc.open(t, clk)
			t.Cleanup(func() { _ = st.Close() })
			storetest.FillQueues(t, st, clk)
			d, ok := st.(store.QueueDepther)
			if !ok {
				t.Fatalf("the %s store cannot tell its queue depth", tc.name)
			}
			checkDepth(t, d, clk, tc.name)

			// The last collection, at shutdown, comes after the store
			// closed: no gauges and no error.
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if _, ok := gauge(collectDepth(t, d, clk, tc.name), telemetry.MetricQueueMessages, nil); ok {
				t.Error("a closed store reported a queue depth")
			}
		})
	}
}

func checkDepth(t *testing.T, d store.QueueDepther, clk *storetest.Clock, storeName string) {
	t.Helper()
	rm := collectDepth(t, d, clk, storeName)
	for _, tc := range []struct {
		metric, queue string
		want          float64
	}{
		{telemetry.MetricQueueMessages, "orchestration", 5},
		{telemetry.MetricQueueInstances, "orchestration", 3},
		{telemetry.MetricQueueOldestAge, "orchestration", 50},
		{telemetry.MetricQueueMessages, "entity", 3},
		{telemetry.MetricQueueInstances, "entity", 2},
		{telemetry.MetricQueueOldestAge, "entity", 40},
		{telemetry.MetricQueueMessages, "activity", 2},
		{telemetry.MetricQueueOldestAge, "activity", 60},
	} {
		got, ok := gauge(rm, tc.metric, map[string]string{"durabletask.queue": tc.queue, "durabletask.store": storeName})
		if !ok || got != tc.want {
			t.Errorf("%s{queue=%s} = %v (reported: %v), want %v", tc.metric, tc.queue, got, ok, tc.want)
		}
	}
	if _, ok := gauge(rm, telemetry.MetricQueueInstances, map[string]string{"durabletask.queue": "activity"}); ok {
		t.Error("an instance count reported for the activity queue, where it has no meaning")
	}
}

// A store that cannot tell its depth gets no gauges, and no error.
func TestQueueDepthNeedsTheCapability(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	telemetry.New(telemetry.Config{Meter: mp.Meter(telemetry.ScopeName), Store: "memory"})
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if _, ok := gauge(rm, telemetry.MetricQueueMessages, nil); ok {
		t.Error("queue gauges without a QueueDepther")
	}
}

// collectDepth reads the gauges once, through an observer over d.
func collectDepth(t *testing.T, d store.QueueDepther, clk *storetest.Clock, storeName string) metricdata.ResourceMetrics {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	telemetry.New(telemetry.Config{Meter: mp.Meter(telemetry.ScopeName), Store: storeName, Depth: d, Now: clk.Now})
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// gauge returns the value of the gauge data point of metric whose
// attributes include attrs.
func gauge(rm metricdata.ResourceMetrics, metric string, attrs map[string]string) (float64, bool) {
	match := func(set attribute.Set) bool {
		for k, v := range attrs {
			if got, ok := set.Value(attribute.Key(k)); !ok || got.Emit() != v {
				return false
			}
		}
		return true
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != metric {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						return float64(p.Value), true
					}
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						return p.Value, true
					}
				}
			}
		}
	}
	return 0, false
}
