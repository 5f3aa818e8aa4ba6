package engine

import (
	"time"

	"github.com/godurable/durablefunctions/internal/backend"
	"github.com/godurable/durablefunctions/internal/history"
)

// rewind brings a failed instance back to life: the failures delivered in
// the episode that failed it are removed from history, activities whose
// results are missing are scheduled again, failed sub-orchestrations are
// rewound too, and the code replays. Tasks that completed are not re-run.
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
		switch {
		case e.EventType == history.ExecutionCompleted:
			continue
		case i >= start && (e.EventType == history.TaskFailed || e.EventType == history.SubOrchestrationInstanceFailed):
			if e.EventType == history.SubOrchestrationInstanceFailed {
				ep.rewindChild(e.TaskScheduledID, ev) // it reports again when it finishes
			}
			continue
		}
		if id := completionID(e); id >= 0 {
			done[id] = true
		}
		kept = append(kept, e)
	}
	for _, e := range kept {
		if e.EventType == history.TaskScheduled && !done[e.EventID] {
			ep.out.Activities = append(ep.out.Activities, e)
		}
	}
	inst := ep.inst
	inst.Status, inst.Output, inst.Failure, inst.CompletedAt = history.StatusRunning, "", nil, time.Time{}
	ep.replace, ep.hist, ep.appended = true, kept, kept
	return []*history.Event{ev}
}

func (ep *episode) rewindChild(taskID int, ev *history.Event) {
	for _, e := range ep.hist {
		if e.EventType == history.SubOrchestrationInstanceCreated && e.EventID == taskID {
			ep.out.Messages = append(ep.out.Messages, backend.Message{
				InstanceID: e.InstanceID, Event: history.NewExecutionRewound(ep.now, ev.Reason),
			})
			return
		}
	}
}
