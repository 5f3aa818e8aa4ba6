package engine

import (
	"context"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// rewind brings a failed instance back to life. The failures delivered in
// the episode that failed it are removed from history; then everything the
// orchestration still waits for is set in motion again: activities whose
// results are missing are scheduled again, timers are re-armed, and each
// sub-orchestration without a result is looked at (a finished child's
// result is delivered now, a failed child is rewound, a child that never
// started is created again). The code then replays. Tasks that completed
// are not re-run.
func (ep *episode) rewind(ev *history.Event) []*history.Event {
	h := ep.hist
	end := len(h)
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].EventType == history.ExecutionCompleted {
			end = i
			break
		}
	}
	start := 0
	for i := end - 1; i >= 0; i-- {
		if h[i].EventType == history.OrchestratorStarted {
			start = i
			break
		}
	}
	kept := make([]*history.Event, 0, len(h))
	done := make(map[int]bool)
	for i, e := range h {
		failure := e.EventType == history.TaskFailed || e.EventType == history.SubOrchestrationInstanceFailed
		if e.EventType == history.ExecutionCompleted || (i >= start && failure) {
			continue
		}
		if id := completionID(e); id >= 0 {
			done[id] = true
		}
		kept = append(kept, e)
	}
	inst := ep.inst
	inst.Status, inst.Output, inst.Failure, inst.CompletedAt = history.StatusRunning, "", nil, time.Time{}
	ep.replace, ep.hist, ep.appended = true, kept, kept
	events := []*history.Event{ev}
	for _, e := range kept {
		if !e.EventType.IsScheduling() || done[e.EventID] {
			continue
		}
		switch e.EventType {
		case history.TaskScheduled:
			ep.out.Activities = append(ep.out.Activities, e)
		case history.TimerCreated:
			ep.out.Messages = append(ep.out.Messages, store.Message{InstanceID: inst.InstanceID, ExecutionID: inst.ExecutionID,
				Event: history.NewTimerFired(ep.now, e.EventID, e.FireAt), VisibleAt: e.FireAt})
		case history.SubOrchestrationInstanceCreated:
			if result := ep.reviveChild(e, ev.Reason); result != nil {
				events = append(events, result)
			}
		}
	}
	return events
}

// reviveChild makes a sub-orchestration that has not reported report
// again. It returns the child's result when the child already finished.
func (ep *episode) reviveChild(created *history.Event, reason string) *history.Event {
	child, err := ep.e.be.GetInstance(context.Background(), created.InstanceID)
	if err != nil && !isNotFound(err) {
		ep.e.log.Warn("durable: rewind cannot read a sub-orchestration; it is left as is", "instanceId", ep.inst.InstanceID, "child", created.InstanceID, "error", err)
		return nil
	}
	ours := err == nil && child.ParentInstance == ep.inst.InstanceID && child.ParentExecution == ep.inst.ExecutionID
	switch {
	case ours && child.Status == history.StatusCompleted:
		return history.NewSubOrchestrationCompleted(ep.now, created.EventID, child.Output)
	case ours && child.Status == history.StatusFailed:
		ep.out.Messages = append(ep.out.Messages, store.Message{InstanceID: created.InstanceID, Event: history.NewExecutionRewound(ep.now, reason)})
	case ours && !child.Status.IsTerminal():
		// Still running: it reports when it finishes.
	default:
		// Never started (its id was taken), terminated, or replaced: start
		// it again, as a new execution; a start refused because the id is
		// still taken reports that failure to this instance.
		ep.startChild(created, newExecutionID())
	}
	return nil
}
