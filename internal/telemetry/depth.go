package telemetry

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/godurable/durablefunctions/internal/store"
)

// Queue-depth gauges: how much work waits in the store, read from the
// store (store.QueueDepther) each time the metrics are collected, not
// counted by the engine, so they include work other processes queued.
const (
	MetricQueueMessages  = "durabletask.queue.messages"
	MetricQueueInstances = "durabletask.queue.instances"
	MetricQueueOldestAge = "durabletask.queue.oldest_age"
)

const attrQueue = attribute.Key("durabletask.queue")

// depthTimeout bounds one reading of the store's queues: a collection
// must not hang on an unreachable store.
const depthTimeout = 10 * time.Second

// registerQueueDepth reports d's queues as observable gauges. A failed
// reading reports nothing for that collection (and is logged by the SDK's
// error handler), so a store that is down shows as a gap, not as zero; a
// closed store (the final collection at shutdown runs after the runtime
// closed it) reports nothing, silently.
func registerQueueDepth(m metric.Meter, storeAttr attribute.KeyValue, d store.QueueDepther, now func() time.Time) {
	msgs, _ := m.Int64ObservableGauge(MetricQueueMessages, metric.WithUnit("{message}"),
		metric.WithDescription("Messages (activity requests, for the activity queue) waiting in the store, by queue."))
	insts, _ := m.Int64ObservableGauge(MetricQueueInstances, metric.WithUnit("{instance}"),
		metric.WithDescription("Orchestrations or entities with messages due, by queue."))
	age, _ := m.Float64ObservableGauge(MetricQueueOldestAge, metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest waiting message (0 when none), by queue."))
	_, _ = m.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, depthTimeout)
		defer cancel()
		depths, err := d.QueueDepth(ctx)
		if errors.Is(err, store.ErrClosed) {
			return nil // a closed store (the last collection, at shutdown) has no queues
		}
		if err != nil {
			return err
		}
		at := now()
		for _, q := range depths {
			set := metric.WithAttributes(storeAttr, attrQueue.String(string(q.Queue)))
			if q.Messages != store.Unknown {
				o.ObserveInt64(msgs, q.Messages, set)
			}
			if q.Instances != store.Unknown {
				o.ObserveInt64(insts, q.Instances, set)
			}
			oldest := 0.0
			if !q.Oldest.IsZero() {
				oldest = max(0, at.Sub(q.Oldest).Seconds())
			}
			o.ObserveFloat64(age, oldest, set)
		}
		return nil
	}, msgs, insts, age)
}
