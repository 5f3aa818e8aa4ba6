package extension

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	pb "github.com/godurable/durablefunctions/internal/protos"
)

// In extension mode the host's Durable extension records the Durable Task
// spans (create_orchestration, orchestration, activity, entity) when its
// distributed tracing is on, so this worker records none of them: it only
// propagates. Activity and entity code runs with the trace context the
// host sent, so the spans user code starts (its HTTP calls, its database
// queries) are children of the host's spans. Orchestrator code replays and
// gets none (docs/observability.md, "Extension mode").

// w3c reads the W3C Trace Context, the format the host and the Durable
// Task protocol use.
var w3c propagation.TraceContext

// withHostTrace returns r with the trace context of its traceparent and
// tracestate headers, which the host's HTTP client sets from the span of
// the invocation it is making. A request without them is returned as is.
func withHostTrace(r *http.Request) *http.Request {
	if r.Header.Get("traceparent") == "" {
		return r
	}
	ctx := w3c.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return r
	}
	return r.WithContext(ctx)
}

// withEntityTrace gives ctx, when it has no trace context yet, the one the
// first operation of the batch carries (OperationRequest.traceContext: the
// span of the caller that sent it). An entity runs its batch as one call,
// so one context stands for the batch.
func withEntityTrace(ctx context.Context, req *pb.EntityBatchRequest) context.Context {
	if trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	for _, op := range req.GetOperations() {
		tc := op.GetTraceContext()
		if tc.GetTraceParent() == "" {
			continue
		}
		carrier := propagation.MapCarrier{"traceparent": tc.GetTraceParent()}
		if ts := tc.GetTraceState(); ts != nil && ts.GetValue() != "" {
			carrier["tracestate"] = ts.GetValue()
		}
		if out := w3c.Extract(ctx, carrier); trace.SpanContextFromContext(out).IsValid() {
			return out
		}
	}
	return ctx
}
