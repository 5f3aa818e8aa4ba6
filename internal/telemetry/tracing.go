package telemetry

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// Span names and attributes follow the Durable Task conventions (the .NET
// and Go SDKs use the same): create_orchestration:{name},
// orchestration:{name}, activity:{name}, orchestration:{name}:timer,
// entity:{name}:{operation}, orchestration_event:{name}.
const (
	attrType         = attribute.Key("durabletask.type")
	attrName         = attribute.Key("durabletask.task.name")
	attrVersion      = attribute.Key("durabletask.task.version")
	attrInstanceID   = attribute.Key("durabletask.task.instance_id")
	attrExecutionID  = attribute.Key("durabletask.task.execution_id")
	attrStatus       = attribute.Key("durabletask.task.status")
	attrTaskID       = attribute.Key("durabletask.task.task_id")
	attrTarget       = attribute.Key("durabletask.event.target_instance_id")
	attrFireAt       = attribute.Key("durabletask.fire_at")
	attrOperation    = attribute.Key("durabletask.entity.operation")
	attrInput        = attribute.Key("durabletask.task.input")
	attrOutput       = attribute.Key("durabletask.task.output")
	typeOrchestrator = "orchestration"
)

func executionID(ev *history.Event) string {
	if ev.OrchestrationInstance != nil {
		return ev.OrchestrationInstance.ExecutionID
	}
	return ""
}

// createSpan records the client's create_orchestration span and stores its
// context in the start event: the orchestration's span becomes its child,
// whichever process runs it and however late.
func (o *Observer) createSpan(ctx context.Context, start *history.Event) {
	_, span := o.cfg.Tracer.Start(ctx, "create_orchestration:"+start.Name,
		trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(createAttrs(start, o.cfg.InputsAndOutputs)...))
	start.ParentTraceContext = traceContext(span.SpanContext())
	span.End()
}

// createAttrs are a create_orchestration span's attributes.
func createAttrs(start *history.Event, withInput bool) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attrType.String(typeOrchestrator), attrName.String(start.Name),
		attrInstanceID.String(instanceID(start)), attrExecutionID.String(executionID(start))}
	if start.Version != "" {
		attrs = append(attrs, attrVersion.String(start.Version))
	}
	if withInput && start.Input != "" {
		attrs = append(attrs, attrInput.String(start.Input))
	}
	return attrs
}

// sendSpan records what a client sends: an event raised to an instance
// gets the orchestration_event:{name} producer span (under the caller's
// span, as the Durable Task SDKs record a client's RaiseEvent); an
// operation signaled to an entity carries the caller's span, so that its
// entity span joins the caller's trace.
func (o *Observer) sendSpan(ctx context.Context, m *store.Message) {
	ev := m.Event
	if ev.EventType != history.EventRaised {
		return
	}
	if ev.Name == replay.EntityOperationEvent {
		if ev.ParentTraceContext == nil {
			ev.ParentTraceContext = traceContext(trace.SpanContextFromContext(ctx))
		}
		return
	}
	attrs := []attribute.KeyValue{attrType.String("event"), attrName.String(ev.Name), attrTarget.String(m.InstanceID)}
	if o.cfg.InputsAndOutputs {
		attrs = appendPayload(attrs, attrInput, ev.Input)
	}
	_, span := o.cfg.Tracer.Start(ctx, "orchestration_event:"+ev.Name, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attrs...))
	span.End()
}

func instanceID(ev *history.Event) string {
	if ev.OrchestrationInstance != nil {
		return ev.OrchestrationInstance.InstanceID
	}
	return ""
}

// stampCommit gives the work a commit sends the orchestration span as
// parent: activity requests, sub-orchestration starts and entity requests.
// A continue-as-new start keeps the execution's own parent, so that every
// execution of an eternal orchestration sits under the same starter.
func stampCommit(wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) {
	if len(c.Activities) == 0 && len(c.Messages) == 0 {
		return // it sends nothing to stamp
	}
	started := startedIn(wi.History)
	if started == nil || c.ReplaceHistory {
		if s := startedIn(c.NewHistory); s != nil {
			started = s
		}
	}
	if started == nil {
		return
	}
	sc, _ := orchestrationSpan(wi.InstanceID, started)
	tc := traceContext(sc)
	for _, a := range c.Activities {
		a.ParentTraceContext = tc
	}
	for i := range c.Messages {
		m := &c.Messages[i]
		switch ev := m.Event; {
		case ev.EventType == history.ExecutionStarted && m.InstanceID == wi.InstanceID:
			if ev.ParentTraceContext == nil {
				ev.ParentTraceContext = started.ParentTraceContext
				if ev.ParentTraceContext == nil {
					ev.ParentTraceContext = tc
				}
			}
		case ev.EventType == history.ExecutionStarted:
			ev.ParentTraceContext = tc
		case ev.EventType == history.EventRaised && ev.Name == replay.EntityOperationEvent:
			ev.ParentTraceContext = tc
		}
	}
}

var warnIDsOnce sync.Once

// orchestrationSpanEnd emits an execution's span, from its start to its end.
func (o *Observer) orchestrationSpanEnd(ch *changes, e ending) {
	instanceID := ch.instanceID
	sc, parent := ch.spanOf(e.started)
	ctx := context.Background()
	if parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	ctx = withIDs(ctx, sc.TraceID(), sc.SpanID())
	attrs := []attribute.KeyValue{attrType.String(typeOrchestrator), attrName.String(e.name),
		attrInstanceID.String(instanceID), attrExecutionID.String(executionID(e.started)), attrStatus.String(e.status.String())}
	if e.started.Version != "" {
		attrs = append(attrs, attrVersion.String(e.started.Version))
	}
	if o.cfg.InputsAndOutputs {
		attrs = appendPayload(attrs, attrInput, e.started.Input)
		attrs = appendPayload(attrs, attrOutput, e.output)
	}
	_, span := o.cfg.Tracer.Start(ctx, "orchestration:"+e.name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithTimestamp(e.started.Timestamp), trace.WithAttributes(attrs...))
	if span.IsRecording() && span.SpanContext().SpanID() != sc.SpanID() {
		warnIDsOnce.Do(func() {
			if o.cfg.Logger != nil {
				o.cfg.Logger.Warn("durable: the tracer provider does not use telemetry.IDGenerator; orchestration spans will not parent their activities")
			}
		})
	}
	switch e.status {
	case history.StatusFailed:
		span.SetStatus(codes.Error, failureMessage(e.failure))
	case history.StatusTerminated:
		span.SetStatus(codes.Error, "terminated")
	}
	span.End(trace.WithTimestamp(e.at.Timestamp))
}

func failureMessage(f *history.FailureDetails) string {
	if f == nil {
		return "failed"
	}
	return f.ErrorType + ": " + f.ErrorMessage
}

func appendPayload(attrs []attribute.KeyValue, k attribute.Key, v string) []attribute.KeyValue {
	if v == "" {
		return attrs
	}
	return append(attrs, k.String(v))
}

// taskSpans emits the spans of the orchestration's own steps that ended in
// this commit: timers that fired and events it sent.
func (o *Observer) taskSpans(ch *changes) {
	started := startedIn(ch.fresh)
	if started == nil {
		started = startedIn(ch.past)
	}
	if started == nil {
		return
	}
	sc, _ := ch.spanOf(started)
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), sc)
	for _, ev := range ch.fresh {
		switch ev.EventType {
		case history.TimerFired:
			created := ch.find(history.TimerCreated, ev.TimerID)
			if created == nil {
				continue
			}
			_, span := o.cfg.Tracer.Start(ctx, "orchestration:"+ch.name+":timer", trace.WithSpanKind(trace.SpanKindInternal),
				trace.WithTimestamp(created.Timestamp), trace.WithAttributes(attrType.String("timer"), attrName.String(ch.name),
					attrInstanceID.String(ch.instanceID), attrTaskID.Int(ev.TimerID), attrFireAt.String(ev.FireAt.UTC().Format(time.RFC3339Nano))))
			span.End(trace.WithTimestamp(ev.Timestamp))
		case history.EventSent:
			if ev.Name == replay.EntityOperationEvent || ev.Name == replay.EntityReleaseEvent {
				continue
			}
			_, span := o.cfg.Tracer.Start(ctx, "orchestration_event:"+ev.Name, trace.WithSpanKind(trace.SpanKindProducer),
				trace.WithTimestamp(ev.Timestamp), trace.WithAttributes(attrType.String("event"), attrName.String(ev.Name),
					attrInstanceID.String(ch.instanceID), attrTaskID.Int(ev.EventID), attrTarget.String(ev.InstanceID)))
			span.End(trace.WithTimestamp(ev.Timestamp))
		}
	}
}

type activitySpanKey struct{}

// startActivitySpan opens activity:{name} under the orchestration span the
// request carries; it ends when the result is stored.
func (o *Observer) startActivitySpan(ctx context.Context, wi *store.ActivityWorkItem) context.Context {
	ev := wi.Event
	if parent := parseTraceContext(ev.ParentTraceContext); parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	attrs := []attribute.KeyValue{attrType.String("activity"), attrName.String(ev.Name),
		attrInstanceID.String(wi.InstanceID), attrTaskID.Int(ev.EventID)}
	if wi.ExecutionID != "" {
		attrs = append(attrs, attrExecutionID.String(wi.ExecutionID))
	}
	if ev.Version != "" {
		attrs = append(attrs, attrVersion.String(ev.Version))
	}
	if o.cfg.InputsAndOutputs {
		attrs = appendPayload(attrs, attrInput, ev.Input)
	}
	ctx, span := o.cfg.Tracer.Start(ctx, "activity:"+ev.Name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, activitySpanKey{}, span)
}

func endActivitySpan(ctx context.Context, result *history.Event, withOutput bool) {
	span, ok := ctx.Value(activitySpanKey{}).(trace.Span)
	if !ok {
		return
	}
	if result.EventType == history.TaskFailed {
		span.SetAttributes(attrStatus.String("Failed"))
		span.SetStatus(codes.Error, failureMessage(result.FailureDetails))
	} else {
		span.SetAttributes(attrStatus.String("Completed"))
		if withOutput && result.Result != "" {
			span.SetAttributes(attrOutput.String(result.Result))
		}
	}
	span.End()
}
