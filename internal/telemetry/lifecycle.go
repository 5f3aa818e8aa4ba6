package telemetry

import (
	"github.com/godurable/durablefunctions/internal/history"
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
		o.orchestrationSpanEnd(ch, e)
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
