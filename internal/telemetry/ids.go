package telemetry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/internal/history"
)

// An orchestration's span is emitted once, when the execution ends, yet it
// is the parent of spans emitted earlier (its activities, timers, entity
// calls), in other episodes and perhaps other processes. So its ids are
// known in advance: derived from the instance and execution ids, they are
// the same in every episode and need no storage. An OpenTelemetry SDK picks
// span ids itself; IDGenerator lets it take the derived ones.

type forcedIDsKey struct{}

type forcedIDs struct {
	trace trace.TraceID // zero: keep the generator's
	span  trace.SpanID
}

// withIDs asks IDGenerator to give the next span these ids.
func withIDs(ctx context.Context, tid trace.TraceID, sid trace.SpanID) context.Context {
	return context.WithValue(ctx, forcedIDsKey{}, forcedIDs{trace: tid, span: sid})
}

// IDGenerator generates random trace and span ids, except for the spans the
// runtime names in advance (an orchestration's). Give it to an SDK tracer
// provider with sdktrace.WithIDGenerator; without it, an orchestration's
// span gets a random id and its children point at a span that is never
// emitted.
type IDGenerator struct{}

// NewIDs returns the ids for a root span.
func (IDGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if f, ok := ctx.Value(forcedIDsKey{}).(forcedIDs); ok && f.trace.IsValid() && f.span.IsValid() {
		return f.trace, f.span
	}
	var tid trace.TraceID
	_, _ = rand.Read(tid[:])
	return tid, randomSpanID()
}

// NewSpanID returns the id of a span in trace tid.
func (IDGenerator) NewSpanID(ctx context.Context, tid trace.TraceID) trace.SpanID {
	if f, ok := ctx.Value(forcedIDsKey{}).(forcedIDs); ok && f.span.IsValid() {
		return f.span
	}
	return randomSpanID()
}

func randomSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		_, _ = rand.Read(sid[:])
	}
	return sid
}

// orchestrationSpan returns the span context of an execution's span: its
// parent's trace (or a trace of its own for an instance started without
// one) and an id derived from the instance and execution ids.
func orchestrationSpan(instanceID string, started *history.Event) (sc, parent trace.SpanContext) {
	execID := ""
	if started.OrchestrationInstance != nil {
		execID = started.OrchestrationInstance.ExecutionID
	}
	sum := sha256.Sum256([]byte(instanceID + "\x00" + execID))
	parent = parseTraceContext(started.ParentTraceContext)
	cfg := trace.SpanContextConfig{SpanID: spanIDFrom(sum[:8]), TraceFlags: trace.FlagsSampled}
	if parent.IsValid() {
		cfg.TraceID, cfg.TraceFlags, cfg.TraceState = parent.TraceID(), parent.TraceFlags(), parent.TraceState()
	} else {
		copy(cfg.TraceID[:], sum[8:24])
	}
	return trace.NewSpanContext(cfg), parent
}

// spanIDFrom makes a span id of 8 bytes of a digest (never the invalid
// all-zero id).
func spanIDFrom(b []byte) trace.SpanID {
	var sid trace.SpanID
	copy(sid[:], b)
	if !sid.IsValid() {
		binary.BigEndian.PutUint64(sid[:], 1)
	}
	return sid
}

// traceContext writes sc in the W3C form (traceparent, tracestate), or nil
// for an invalid sc.
func traceContext(sc trace.SpanContext) *history.TraceContext {
	if !sc.IsValid() {
		return nil
	}
	carrier := propagation.MapCarrier{}
	w3c.Inject(trace.ContextWithSpanContext(context.Background(), sc), carrier)
	return &history.TraceContext{TraceParent: carrier["traceparent"], TraceState: carrier["tracestate"]}
}

// parseTraceContext reads a W3C traceparent and tracestate; anything else
// gives an invalid span context, so a malformed value stored by another
// runtime only loses the link.
func parseTraceContext(tc *history.TraceContext) trace.SpanContext {
	if tc == nil {
		return trace.SpanContext{}
	}
	carrier := propagation.MapCarrier{"traceparent": tc.TraceParent}
	if tc.TraceState != "" {
		carrier["tracestate"] = tc.TraceState
	}
	return trace.SpanContextFromContext(w3c.Extract(context.Background(), carrier))
}

// w3c is the W3C Trace Context format, the one Durable Functions stores.
var w3c propagation.TraceContext
