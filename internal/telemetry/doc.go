// Package telemetry reports what the engine does: OpenTelemetry spans and
// metrics, the tracking log lines of host.json's tracing/tracking
// settings, and lifecycle changes for Event Grid. It implements
// engine.Observer and links only the OpenTelemetry API; the SDK and
// exporters live in package otelsetup.
//
// A runtime gets it through durable.WithTelemetry:
//
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
//		sdktrace.WithIDGenerator(durable.TraceIDGenerator{}))
//	rt := durable.NewRuntime(reg, st, durable.WithTelemetry(durable.Telemetry{TracerProvider: tp}))
//
// How a trace is built (docs/observability.md has the user's view):
//
//   - The client's create_orchestration span is stored in the
//     ExecutionStarted event (ParentTraceContext, the W3C traceparent), so
//     the trace survives episodes, processes and restarts without a store
//     schema change.
//   - An execution's span id (and, for an instance started outside any
//     trace, its trace id) is derived from the instance and execution ids:
//     every episode knows it without storing it. The span is emitted once,
//     when the execution ends, starting at ExecutionStarted's time;
//     IDGenerator makes the SDK use the derived id.
//   - Before a commit is written, the work it sends (activity requests,
//     sub-orchestration starts, entity requests) is stamped with the
//     orchestration span as parent (observer.go, tracing.go).
//   - After it is written, spans are emitted for the events the commit
//     appended: a replay re-runs code but appends nothing, so nothing is
//     emitted twice; a crash before the write emits nothing and the
//     episode runs again (changes.go).
//   - Activity spans run from the start of the activity to the stored
//     result; entity spans from the request's sending to the batch's
//     commit.
//   - An entity batch's commit stamps what it sends the same way, under
//     the span of its first traced operation, whose id is derived from the
//     entity and request ids; an orchestration it starts gets a
//     create_orchestration span with a derived id too (entity.go).
//   - A client's RaiseEvent records orchestration_event:{name} under the
//     caller's span (Sending).
//   - The queue-depth gauges read the store (store.QueueDepther) when the
//     metrics are collected (depth.go).
package telemetry
