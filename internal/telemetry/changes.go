package telemetry

import (
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// changes is what one committed episode did, read from its work item and
// commit: the events it appended (fresh), those it replayed (past), and the
// executions it started or ended. Acting on fresh events only is what makes
// every span, count and notification happen once.
type changes struct {
	instanceID string
	name       string
	past       []*history.Event
	fresh      []*history.Event
	started    *history.Event // ExecutionStarted, when this commit started an execution
	ended      []ending

	// The span of the execution last asked for (spanOf), derived once:
	// the orchestration's own span and its steps' spans both need it.
	spanStart          *history.Event
	spanSC, spanParent trace.SpanContext
}

// spanOf returns orchestrationSpan for the execution started, deriving it
// once per commit.
func (ch *changes) spanOf(started *history.Event) (sc, parent trace.SpanContext) {
	if ch.spanStart != started {
		ch.spanStart = started
		ch.spanSC, ch.spanParent = orchestrationSpan(ch.instanceID, started)
	}
	return ch.spanSC, ch.spanParent
}

// ending is an execution that ended in the commit.
type ending struct {
	started *history.Event
	name    string
	status  history.RuntimeStatus
	output  string
	failure *history.FailureDetails
	at      history.Event // for its Timestamp
}

func newChanges(wi *store.OrchestrationWorkItem, c *store.OrchestrationCommit) *changes {
	ch := &changes{instanceID: wi.InstanceID, past: wi.History, fresh: c.NewHistory}
	if c.Instance != nil {
		ch.name = c.Instance.Name
	} else if wi.Instance != nil {
		ch.name = wi.Instance.Name
	}
	if c.ReplaceHistory {
		sameExecution := wi.Instance != nil && c.Instance != nil && wi.Instance.ExecutionID == c.Instance.ExecutionID
		switch {
		case c.Instance != nil && c.Instance.Status == history.StatusContinuedAsNew && !sameExecution:
			// The old execution ended; the next one starts in a later
			// episode, from the start message this commit sends.
			if st := startedIn(wi.History); st != nil {
				e := ending{started: st, name: st.Name, status: history.StatusContinuedAsNew}
				e.at.Timestamp = c.Instance.LastUpdatedAt
				ch.ended = append(ch.ended, e)
			}
			ch.fresh = nil
		case sameExecution:
			// A start of a pre-created row, or a rewind: events kept from
			// the stored history are not new.
			ch.fresh = without(c.NewHistory, wi.History)
		default:
			ch.past = nil // a new instance, or a finished one replaced
		}
	}
	for _, ev := range ch.fresh {
		switch ev.EventType {
		case history.ExecutionStarted:
			ch.started = ev
			ch.name = ev.Name
		case history.ExecutionCompleted:
			st := startedIn(ch.fresh)
			if st == nil {
				st = startedIn(ch.past)
			}
			if st == nil {
				continue
			}
			e := ending{started: st, name: st.Name, status: ev.OrchestrationStatus, output: ev.Result, failure: ev.FailureDetails}
			e.at.Timestamp = ev.Timestamp
			ch.ended = append(ch.ended, e)
		}
	}
	return ch
}

func startedIn(h []*history.Event) *history.Event {
	for _, ev := range h {
		if ev.EventType == history.ExecutionStarted {
			return ev
		}
	}
	return nil
}

// without returns the events of h that are not (by identity) in old.
func without(h, old []*history.Event) []*history.Event {
	if len(old) == 0 {
		return h
	}
	seen := make(map[*history.Event]bool, len(old))
	for _, ev := range old {
		seen[ev] = true
	}
	var out []*history.Event
	for _, ev := range h {
		if !seen[ev] {
			out = append(out, ev)
		}
	}
	return out
}

// find returns the scheduling event with sequence number id in the
// episode's history.
func (ch *changes) find(t history.EventType, id int) *history.Event {
	for _, h := range [][]*history.Event{ch.past, ch.fresh} {
		for _, ev := range h {
			if ev.EventType == t && ev.EventID == id {
				return ev
			}
		}
	}
	return nil
}
