package engine

import (
	"fmt"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// run replays the orchestrator over its history plus events and turns the
// result into history, messages and activity requests.
func (ep *episode) run(events []*history.Event) {
	past := splitPast(ep.hist)
	if !ep.opened {
		ep.appendNew(history.NewOrchestratorStarted(ep.now))
		ep.opened = true
	}
	ep.appendNew(events...)
	// The events stored since the last episode (kept while suspended) and
	// the new ones are all new to the code.
	newEvents := ep.hist[len(past):]
	res := ep.e.exec.RunOrchestration(ep.inst.Name, replay.Episode{
		InstanceID: ep.inst.InstanceID, Past: past, New: newEvents,
	}, replay.Options{
		MaxTimerInterval: ep.e.opts.MaxTimerInterval, LongTimerInterval: ep.e.opts.LongTimerInterval,
		Logger: ep.e.log, MaxActions: ep.e.opts.MaxOrchestrationActions,
		DefaultVersion: ep.e.opts.Versioning.Version,
	})
	if res.CustomStatusSet {
		ep.inst.CustomStatus = res.CustomStatus
	}
	for _, a := range res.Actions {
		a.Timestamp = ep.now
		ep.appendNew(a)
		ep.dispatch(a)
	}
	if res.Done {
		switch res.Status {
		case history.StatusContinuedAsNew:
			ep.continueAsNew(res)
			return
		default:
			ep.finish(res.Status, res.Output, res.Failure)
		}
	}
	ep.appendNew(history.NewOrchestratorCompleted(ep.now))
}

// splitPast returns history up to its last OrchestratorCompleted: what the
// code saw in earlier episodes. Events after it (kept while the instance was
// suspended or not yet started) are new to the code.
func splitPast(h []*history.Event) []*history.Event {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].EventType == history.OrchestratorCompleted {
			return h[:i+1]
		}
	}
	return nil
}

// dispatch turns a new action into outbound work.
func (ep *episode) dispatch(a *history.Event) {
	inst := ep.inst
	switch a.EventType {
	case history.TaskScheduled:
		ep.out.Activities = append(ep.out.Activities, a)
	case history.TimerCreated:
		ep.out.Messages = append(ep.out.Messages, store.Message{
			InstanceID: inst.InstanceID, ExecutionID: inst.ExecutionID,
			Event: history.NewTimerFired(ep.now, a.EventID, a.FireAt), VisibleAt: a.FireAt,
		})
	case history.SubOrchestrationInstanceCreated:
		ep.startChild(a, derivedExecutionID(inst.InstanceID, inst.ExecutionID, a.EventID))
	case history.EventSent:
		ep.out.Messages = append(ep.out.Messages, entityOrEventMessage(ep.now, a))
	}
}

// startChild sends the start of a sub-orchestration as execution execID.
func (ep *episode) startChild(created *history.Event, execID string) {
	inst := ep.inst
	start := history.NewExecutionStarted(ep.now, created.Name, created.InstanceID, execID, created.Input,
		&history.ParentInstance{Name: inst.Name, TaskScheduleID: created.EventID,
			OrchestrationInstance: &history.OrchestrationInstance{InstanceID: inst.InstanceID, ExecutionID: inst.ExecutionID}}, nil)
	start.Version = created.Version
	if parent := startedEvent(ep.hist); parent != nil {
		start.ParentInstance.Version = parent.Version
	}
	ep.out.Messages = append(ep.out.Messages, store.Message{InstanceID: created.InstanceID, Event: start})
}

// finish ends the execution and reports to the parent.
func (ep *episode) finish(status history.RuntimeStatus, output string, failure *history.FailureDetails) {
	inst := ep.inst
	ep.appendNew(history.NewExecutionCompleted(ep.now, status, output, failure))
	inst.Status, inst.Output, inst.Failure, inst.CompletedAt = status, output, failure, ep.now
	ep.releaseLocks()
	ep.notifyParent(status, output, failure)
}

func (ep *episode) notifyParent(status history.RuntimeStatus, output string, failure *history.FailureDetails) {
	started := startedEvent(ep.hist)
	if started == nil || started.ParentInstance == nil || started.ParentInstance.OrchestrationInstance == nil {
		return
	}
	p := started.ParentInstance
	var ev *history.Event
	switch status {
	case history.StatusCompleted:
		ev = history.NewSubOrchestrationCompleted(ep.now, p.TaskScheduleID, output)
	default:
		if failure == nil {
			failure = &history.FailureDetails{ErrorType: status.String(), ErrorMessage: fmt.Sprintf("sub-orchestration '%s' was %s", ep.inst.InstanceID, status)}
		}
		ev = history.NewSubOrchestrationFailed(ep.now, p.TaskScheduleID, failure)
	}
	ep.out.Messages = append(ep.out.Messages, store.Message{
		InstanceID: p.OrchestrationInstance.InstanceID, ExecutionID: p.OrchestrationInstance.ExecutionID, Event: ev,
	})
}

func startedEvent(h []*history.Event) *history.Event {
	for _, e := range h {
		if e.EventType == history.ExecutionStarted {
			return e
		}
	}
	return nil
}

// terminate ends the instance at once with the reason as its output.
func (ep *episode) terminate(ev *history.Event) {
	reason := ev.Input
	ep.appendNew(history.NewExecutionTerminated(ep.now, reason))
	f := &history.FailureDetails{ErrorType: "Terminated", ErrorMessage: fmt.Sprintf("instance '%s' was terminated: %s", ep.inst.InstanceID, reason)}
	inst := ep.inst
	ep.appendNew(history.NewExecutionCompleted(ep.now, history.StatusTerminated, reason, nil))
	inst.Status, inst.Output, inst.Failure, inst.CompletedAt = history.StatusTerminated, reason, nil, ep.now
	ep.releaseLocks()
	ep.notifyParent(history.StatusTerminated, "", f)
}

// continueAsNew replaces the history and queues the next execution's start,
// followed by the events it carries over.
func (ep *episode) continueAsNew(res *replay.Result) {
	inst := ep.inst
	old := startedEvent(ep.hist)
	execID := derivedExecutionID(inst.InstanceID, inst.ExecutionID, -1)
	start := history.NewExecutionStarted(ep.now, inst.Name, inst.InstanceID, execID, res.NewInput, nil, nil)
	if old != nil {
		start.ParentInstance = old.ParentInstance
		start.Generation = old.Generation + 1
		start.Version = old.Version // the next execution keeps its version
	}
	ep.replace, ep.hist, ep.appended = true, nil, nil
	inst.ExecutionID, inst.Status, inst.Input, inst.Output, inst.Failure = execID, history.StatusContinuedAsNew, res.NewInput, "", nil
	msgs := []store.Message{{InstanceID: inst.InstanceID, ExecutionID: execID, Event: start}}
	for _, ev := range res.CarryOver {
		msgs = append(msgs, store.Message{InstanceID: inst.InstanceID, ExecutionID: execID, Event: history.NewEventRaised(ep.now, ev.Name, ev.Input)})
	}
	ep.out.Messages = append(ep.out.Messages, msgs...)
}

// commit assembles the store commit.
func (ep *episode) commit() *store.OrchestrationCommit {
	ep.out.Instance = ep.inst
	ep.out.ReplaceHistory = ep.replace
	if ep.replace {
		ep.out.NewHistory = ep.hist
	} else {
		ep.out.NewHistory = ep.appended
	}
	return &ep.out
}
