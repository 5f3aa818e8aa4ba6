package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// Metric names. Durations are in seconds, as OpenTelemetry's semantic
// conventions ask.
const (
	MetricStarted        = "durabletask.orchestration.started"
	MetricEnded          = "durabletask.orchestration.ended"
	MetricActivity       = "durabletask.activity.duration"
	MetricEntityBatch    = "durabletask.entity.batch.duration"
	MetricEntityOps      = "durabletask.entity.operations"
	MetricEpisode        = "durabletask.episode.duration"
	MetricWorkItemWait   = "durabletask.work_item.wait"
	MetricWorkInProgress = "durabletask.work_item.messages"
)

const (
	attrStore = attribute.Key("durabletask.store")
	attrKind  = attribute.Key("durabletask.work_item.kind")
)

type metrics struct {
	store       attribute.KeyValue
	started     metric.Int64Counter
	ended       metric.Int64Counter
	activityDur metric.Float64Histogram
	entityBatch metric.Float64Histogram
	entityOps   metric.Int64Counter
	episodeDur  metric.Float64Histogram
	wait        metric.Float64Histogram
	messages    metric.Int64Counter
}

func newMetrics(m metric.Meter, storeName string) *metrics {
	// Instrument creation fails only for invalid names, which these are
	// not; a failed instrument is a no-op one.
	mt := &metrics{store: attrStore.String(storeName)}
	mt.started, _ = m.Int64Counter(MetricStarted, metric.WithDescription("Orchestration executions started, by name."))
	mt.ended, _ = m.Int64Counter(MetricEnded, metric.WithDescription("Orchestration executions ended, by name and status (Completed, Failed, Terminated, ContinuedAsNew)."))
	mt.activityDur, _ = m.Float64Histogram(MetricActivity, metric.WithUnit("s"), metric.WithDescription("Activity run time, by name and status."))
	mt.entityBatch, _ = m.Float64Histogram(MetricEntityBatch, metric.WithUnit("s"), metric.WithDescription("Time to run one entity's batch of operations and decide its commit, by entity name."))
	mt.entityOps, _ = m.Int64Counter(MetricEntityOps, metric.WithDescription("Entity operations received, by entity name and operation."))
	mt.episodeDur, _ = m.Float64Histogram(MetricEpisode, metric.WithUnit("s"), metric.WithDescription("Time to process one work item (replay included), by kind."))
	mt.wait, _ = m.Float64Histogram(MetricWorkItemWait, metric.WithUnit("s"), metric.WithDescription("Age of a work item's oldest message when it was taken: how long work waited in the store."))
	mt.messages, _ = m.Int64Counter(MetricWorkInProgress, metric.WithDescription("Messages taken from the store, by kind."))
	return mt
}

func kindName(k store.WorkKind) string {
	if k == store.Entities {
		return "entity"
	}
	return "orchestration"
}

// episode records one work item's processing time and how long its oldest
// message waited.
func (mt *metrics) episode(wi *store.OrchestrationWorkItem, kind store.WorkKind, took time.Duration) {
	ctx := context.Background()
	set := metric.WithAttributes(mt.store, attrKind.String(kindName(kind)))
	mt.episodeDur.Record(ctx, took.Seconds(), set)
	mt.messages.Add(ctx, int64(len(wi.Messages)), set)
	var oldest time.Time
	for _, m := range wi.Messages {
		at := m.Event.Timestamp
		if m.VisibleAt.After(at) {
			at = m.VisibleAt
		}
		if !at.IsZero() && (oldest.IsZero() || at.Before(oldest)) {
			oldest = at
		}
	}
	if !oldest.IsZero() {
		mt.wait.Record(ctx, max(0, time.Since(oldest).Seconds()), set)
	}
	if kind == store.Entities {
		mt.entityBatch.Record(ctx, took.Seconds(), metric.WithAttributes(mt.store, attrName.String(entityName(wi.InstanceID))))
	}
}

func (mt *metrics) startedExecution(name string) {
	mt.started.Add(context.Background(), 1, metric.WithAttributes(mt.store, attrName.String(name)))
}

func (mt *metrics) endedExecution(name string, status history.RuntimeStatus) {
	mt.ended.Add(context.Background(), 1, metric.WithAttributes(mt.store, attrName.String(name), attrStatus.String(status.String())))
}

func (mt *metrics) activity(name string, result *history.Event, took time.Duration) {
	status := "Completed"
	if result.EventType == history.TaskFailed {
		status = "Failed"
	}
	mt.activityDur.Record(context.Background(), took.Seconds(), metric.WithAttributes(mt.store, attrName.String(name), attrStatus.String(status)))
}

func (mt *metrics) entityOperation(name, op string) {
	mt.entityOps.Add(context.Background(), 1, metric.WithAttributes(mt.store, attrName.String(name), attrOperation.String(op)))
}
