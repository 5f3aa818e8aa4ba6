package telemetry

import (
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// startedExecution reports an execution that began in this commit.
func (o *Observer) startedExecution(ch *changes) {
	if o.metrics != nil {
		o.metrics.startedExecution(ch.started.Name)
	}
	if o.cfg.Lifecycle != nil {
		o.cfg.Lifecycle(Lifecycle{InstanceID: ch.instanceID, ExecutionID: executionID(ch.started), Name: ch.started.Name,
			Status: history.StatusRunning, Time: ch.started.Timestamp})
	}
}

// ended reports an execution that ended in this commit: its span, its
// count and its notification.
func (o *Observer) ended(ch *changes, e ending) {
	if o.cfg.Tracer != nil {
		o.orchestrationSpanEnd(ch.instanceID, e)
	}
	if o.metrics != nil {
		o.metrics.endedExecution(e.name, e.status)
	}
	if o.cfg.Lifecycle == nil || e.status == history.StatusContinuedAsNew {
		return
	}
	reason := ""
	switch e.status {
	case history.StatusFailed:
		reason = failureMessage(e.failure)
	case history.StatusTerminated:
		reason = unquote(e.output)
	}
	o.cfg.Lifecycle(Lifecycle{InstanceID: ch.instanceID, ExecutionID: executionID(e.started), Name: e.name,
		Status: e.status, Reason: reason, Time: e.at.Timestamp})
}

// entityBatch reports the operations an entity batch received.
func (o *Observer) entityBatch(wi *store.OrchestrationWorkItem) {
	if o.metrics != nil {
		name := entityName(wi.InstanceID)
		for _, m := range wi.Messages {
			if req, ok := entityRequest(m); ok {
				o.metrics.entityOperation(name, req.Operation)
			}
		}
	}
	if o.cfg.Tracer != nil {
		o.entitySpans(wi, time.Now().UTC())
	}
}
