package telemetry

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// entityName returns the name part of an entity instance id "@name@key".
// It is the one place telemetry splits an entity id.
func entityName(id string) string {
	name, _, _ := history.SplitEntityID(id)
	return name
}

// entityOp is an operation request an entity batch received, decoded once
// for the metrics and the spans.
type entityOp struct {
	msg *store.Message
	req replay.EntityRequest
}

// entityOps decodes the operation requests among a batch's messages; lock
// requests and releases are not operations.
func entityOps(wi *store.OrchestrationWorkItem) []entityOp {
	var ops []entityOp
	for _, m := range wi.Messages {
		ev := m.Event
		if ev.EventType != history.EventRaised || ev.Name != replay.EntityOperationEvent {
			continue
		}
		var req replay.EntityRequest
		if json.Unmarshal([]byte(ev.Input), &req) != nil || req.Operation == "" {
			continue
		}
		ops = append(ops, entityOp{msg: m, req: req})
	}
	return ops
}

// entityBatch reports the operations an entity batch received, and the
// orchestrations it started, once its commit is stored.
func (o *Observer) entityBatch(wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) {
	ops := entityOps(wi)
	name := entityName(wi.InstanceID)
	if o.metrics != nil {
		for _, op := range ops {
			o.metrics.entityOperation(name, op.req.Operation)
		}
	}
	if o.cfg.Tracer == nil {
		return
	}
	now := time.Now().UTC()
	origin, ok := batchOrigin(wi.InstanceID, ops)
	for i, op := range ops {
		o.entitySpan(wi.InstanceID, name, op, ok && i == origin.op, origin.sc, now)
	}
	for _, m := range c.Messages {
		if m.Event.EventType == history.ExecutionStarted {
			o.entityCreateSpan(m.Event, origin.sc, now)
		}
	}
}

// entitySpan emits entity:{name}:{operation}, under the span that sent
// the request, timed from its sending to the batch's commit. The batch's
// origin operation takes the span id stampEntityCommit gave its children.
func (o *Observer) entitySpan(id, name string, op entityOp, isOrigin bool, origin trace.SpanContext, now time.Time) {
	ctx := context.Background()
	if parent := parseTraceContext(op.msg.Event.ParentTraceContext); parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	if isOrigin {
		ctx = withIDs(ctx, origin.TraceID(), origin.SpanID())
	}
	kind := trace.SpanKindServer
	if op.req.IsSignal {
		kind = trace.SpanKindConsumer
	}
	attrs := []attribute.KeyValue{attrType.String("entity"), attrName.String(name), attrInstanceID.String(id),
		attrOperation.String(op.req.Operation)}
	if op.req.ParentInstance != "" {
		attrs = append(attrs, attrTarget.String(id))
	}
	if o.cfg.InputsAndOutputs {
		attrs = appendPayload(attrs, attrInput, op.req.Input)
	}
	_, span := o.cfg.Tracer.Start(ctx, "entity:"+name+":"+op.req.Operation, trace.WithSpanKind(kind),
		trace.WithTimestamp(op.msg.Event.Timestamp), trace.WithAttributes(attrs...))
	span.End(trace.WithTimestamp(now))
}

// origin is the span an entity batch's own messages descend from: the
// span of its first operation that arrived with a trace context. An
// entity runs a batch of operations in one step and does not say which
// operation started an orchestration or sent a signal; most batches hold
// one operation, and for the rest the first traced one stands for the
// batch.
type origin struct {
	op int
	sc trace.SpanContext
}

// batchOrigin returns the batch's origin, with an id derived from the
// entity and the request (so Committing and Committed agree on it), or
// false when no operation carries a trace context.
func batchOrigin(entityID string, ops []entityOp) (origin, bool) {
	for i, op := range ops {
		parent := parseTraceContext(op.msg.Event.ParentTraceContext)
		if !parent.IsValid() {
			continue
		}
		sum := sha256.Sum256([]byte(entityID + "\x00" + op.req.ID))
		return origin{op: i, sc: trace.NewSpanContext(trace.SpanContextConfig{TraceID: parent.TraceID(),
			SpanID: spanIDFrom(sum[:8]), TraceFlags: parent.TraceFlags(), TraceState: parent.TraceState()})}, true
	}
	return origin{}, false
}

// stampEntityCommit gives what an entity batch sends the batch's origin as
// parent: a start of a new orchestration gets a create_orchestration span
// (emitted by entityCreateSpan after the commit) and signals to other
// entities the origin itself. Without an origin, a started orchestration
// begins a trace of its own.
func stampEntityCommit(wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) {
	if len(c.Messages) == 0 {
		return
	}
	var org origin
	found, decoded := false, false
	for i := range c.Messages {
		ev := c.Messages[i].Event
		isStart := ev.EventType == history.ExecutionStarted && ev.ParentTraceContext == nil
		isSignal := ev.EventType == history.EventRaised && ev.Name == replay.EntityOperationEvent
		if !isStart && !isSignal {
			continue
		}
		if !decoded { // only batches that send something pay for decoding
			org, found = batchOrigin(wi.InstanceID, entityOps(wi))
			decoded = true
		}
		switch {
		case isStart:
			ev.ParentTraceContext = traceContext(createSpanContext(ev, org.sc))
		case found:
			ev.ParentTraceContext = traceContext(org.sc)
		}
	}
}

// createSpanContext is the span context of the create_orchestration span
// of an orchestration started by an entity: an id derived from the new
// instance and execution, in the origin's trace, or in a trace derived
// from the same ids when there is no origin.
func createSpanContext(start *history.Event, parent trace.SpanContext) trace.SpanContext {
	sum := sha256.Sum256([]byte("create\x00" + instanceID(start) + "\x00" + executionID(start)))
	cfg := trace.SpanContextConfig{SpanID: spanIDFrom(sum[:8]), TraceFlags: trace.FlagsSampled}
	if parent.IsValid() {
		cfg.TraceID, cfg.TraceFlags, cfg.TraceState = parent.TraceID(), parent.TraceFlags(), parent.TraceState()
	} else {
		copy(cfg.TraceID[:], sum[8:24])
	}
	return trace.NewSpanContext(cfg)
}

// entityCreateSpan emits the create_orchestration span of an orchestration
// the entity started, with the id stampEntityCommit stored in its start
// (a start that came with a trace context of its own has no such span).
func (o *Observer) entityCreateSpan(start *history.Event, origin trace.SpanContext, now time.Time) {
	sc := parseTraceContext(start.ParentTraceContext)
	if want := createSpanContext(start, origin); !sc.IsValid() || sc.SpanID() != want.SpanID() {
		return
	}
	ctx := context.Background()
	if origin.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, origin)
	}
	ctx = withIDs(ctx, sc.TraceID(), sc.SpanID())
	attrs := append(createAttrs(start, o.cfg.InputsAndOutputs), attrTarget.String(instanceID(start)))
	_, span := o.cfg.Tracer.Start(ctx, "create_orchestration:"+start.Name, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithTimestamp(start.Timestamp), trace.WithAttributes(attrs...))
	span.End(trace.WithTimestamp(now))
}
