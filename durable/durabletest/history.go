package durabletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// SavedHistory is an orchestration history read by LoadHistory.
type SavedHistory struct {
	InstanceID string
	Name       string
	Events     []*history.Event
	// Reconstructed is true when the history was rebuilt from the status
	// API's shape, which drops sequence numbers and scheduling rows (see
	// LoadHistory).
	Reconstructed bool
}

// exportFile is the export format: what Run.ExportHistory and
// `durablefunc history export` write.
type exportFile struct {
	InstanceID string           `json:"instanceId"`
	Name       string           `json:"name,omitempty"`
	History    []*history.Event `json:"history"`
}

// MarshalHistory writes a history in the export format that LoadHistory
// reads: {"instanceId", "name", "history": [events as stored]}.
func MarshalHistory(instanceID, name string, events []*history.Event) ([]byte, error) {
	return json.MarshalIndent(exportFile{InstanceID: instanceID, Name: name, History: events}, "", "  ")
}

// LoadHistory reads a saved history in any of these forms:
//
//   - the export format ({"instanceId", "name", "history": [...]}), written
//     by Run.ExportHistory and `durablefunc history export`; a bare JSON
//     array of stored events is read too. This form is exact.
//   - the status JSON of GET /instances/{id}?showHistory=true&showHistoryOutput=true
//     (or just its "historyEvents" array). That shape leaves out the
//     TaskScheduled, SubOrchestrationInstanceCreated and Orchestrator
//     Started/Completed rows and every sequence number; LoadHistory rebuilds
//     them from the FunctionName and ScheduledTime of each completion and the
//     timestamps of the rest. The rebuilt history replays like the original
//     for code that schedules one thing per episode or fans out calls that
//     complete in the order they were scheduled. Calls scheduled in the same
//     episode that completed in another order, and calls still running when
//     the status was taken, cannot be placed exactly: prefer the export.
func LoadHistory(data []byte) (*SavedHistory, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("durabletest: the history is empty")
	}
	if data[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, fmt.Errorf("durabletest: history: %w", err)
		}
		if isStatusShape(raw) {
			return rebuild("", nil, raw)
		}
		var evs []*history.Event
		if err := json.Unmarshal(data, &evs); err != nil {
			return nil, fmt.Errorf("durabletest: history: %w", err)
		}
		return finishRaw(&SavedHistory{Events: evs})
	}
	var obj struct {
		InstanceID    string            `json:"instanceId"`
		Name          string            `json:"name"`
		Input         json.RawMessage   `json:"input"`
		History       []*history.Event  `json:"history"`
		HistoryEvents []json.RawMessage `json:"historyEvents"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("durabletest: history: %w", err)
	}
	switch {
	case obj.History != nil:
		return finishRaw(&SavedHistory{InstanceID: obj.InstanceID, Name: obj.Name, Events: obj.History})
	case obj.HistoryEvents != nil:
		h, err := rebuild(obj.InstanceID, obj.Input, obj.HistoryEvents)
		if h != nil && h.Name == "" {
			h.Name = obj.Name
		}
		return h, err
	}
	return nil, fmt.Errorf(`durabletest: history: want an export ({"history": [...]}) or a status with "historyEvents" (GET /instances/{id}?showHistory=true&showHistoryOutput=true)`)
}

func finishRaw(h *SavedHistory) (*SavedHistory, error) {
	for i, e := range h.Events {
		if e == nil {
			return nil, fmt.Errorf("durabletest: history: event %d is null", i)
		}
		if e.EventType == history.ExecutionStarted {
			if h.Name == "" {
				h.Name = e.Name
			}
			if h.InstanceID == "" && e.OrchestrationInstance != nil {
				h.InstanceID = e.OrchestrationInstance.InstanceID
			}
		}
	}
	return h, nil
}

// isStatusShape reports whether events name their types ("EventType":
// "TaskCompleted") as the status API does, rather than number them.
func isStatusShape(raw []json.RawMessage) bool {
	for _, r := range raw {
		var probe struct {
			EventType json.RawMessage `json:"EventType"`
		}
		if json.Unmarshal(r, &probe) == nil && len(probe.EventType) > 0 {
			return probe.EventType[0] == '"'
		}
	}
	return false
}

// statusEvent is one event as the status API shows it.
type statusEvent struct {
	EventType           string                  `json:"EventType"`
	Timestamp           string                  `json:"Timestamp"`
	Name                string                  `json:"Name"`
	FunctionName        string                  `json:"FunctionName"`
	ScheduledTime       string                  `json:"ScheduledTime"`
	Input               json.RawMessage         `json:"Input"`
	Result              json.RawMessage         `json:"Result"`
	InstanceID          string                  `json:"InstanceId"`
	FireAt              string                  `json:"FireAt"`
	ScheduledStartTime  string                  `json:"ScheduledStartTime"`
	Generation          int                     `json:"Generation"`
	OrchestrationStatus *history.RuntimeStatus  `json:"OrchestrationStatus"`
	Reason              string                  `json:"Reason"`
	Details             string                  `json:"Details"`
	FailureDetails      *history.FailureDetails `json:"FailureDetails"`
	Data                string                  `json:"Data"`
}

var eventTypes = func() map[string]history.EventType {
	m := map[string]history.EventType{}
	for t := history.EventType(0); t.Valid(); t++ {
		m[strings.ToLower(t.String())] = t
	}
	return m
}()

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02T15:04:05.9999999", s, time.UTC)
	}
	return t.UTC(), err
}

// payload turns a JSON value the status API shows back into stored text.
func payload(v json.RawMessage) string {
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return string(v)
	}
	return b.String()
}

// rebuilt is one event of a rebuilt history with what placing it needs.
type rebuilt struct {
	ev      *history.Event
	arrival time.Time // for events the orchestrator receives
	episode int
	sched   *rebuilt // the scheduling row a completion was merged with
}

// rebuild turns the status API's history back into a replayable one.
func rebuild(instanceID string, input json.RawMessage, raw []json.RawMessage) (*SavedHistory, error) {
	h := &SavedHistory{InstanceID: instanceID, Reconstructed: true}
	var kept []*rebuilt
	var merged []*rebuilt
	timeSet := map[time.Time]bool{}
	for i, r := range raw {
		var s statusEvent
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, fmt.Errorf("durabletest: history event %d: %w", i, err)
		}
		typ, ok := eventTypes[strings.ToLower(s.EventType)]
		if !ok {
			return nil, fmt.Errorf("durabletest: history event %d: unknown EventType %q", i, s.EventType)
		}
		ts, err := parseTime(s.Timestamp)
		if err != nil {
			return nil, fmt.Errorf("durabletest: history event %d: Timestamp: %w", i, err)
		}
		fireAt, err := parseTime(s.FireAt)
		if err != nil {
			return nil, fmt.Errorf("durabletest: history event %d: FireAt: %w", i, err)
		}
		e := &history.Event{EventType: typ, EventID: -1, Timestamp: ts, Name: s.Name, Input: payload(s.Input),
			Result: payload(s.Result), InstanceID: s.InstanceID, FireAt: fireAt, Generation: s.Generation,
			Reason: s.Reason, Details: s.Details, FailureDetails: s.FailureDetails, Data: s.Data}
		if s.OrchestrationStatus != nil {
			e.OrchestrationStatus = *s.OrchestrationStatus
		}
		rb := &rebuilt{ev: e, arrival: ts}
		switch typ {
		case history.ExecutionStarted:
			e.Name = s.FunctionName
			if e.Input == "" {
				e.Input = payload(input)
			}
			e.OrchestrationInstance = &history.OrchestrationInstance{InstanceID: instanceID}
			if s.ScheduledStartTime != "" {
				if t, err := parseTime(s.ScheduledStartTime); err == nil {
					e.ScheduledStartTime = &t
				}
			}
			h.Name = s.FunctionName
			timeSet[ts] = true
		case history.TaskCompleted, history.TaskFailed, history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed:
			at, err := parseTime(s.ScheduledTime)
			if err != nil || s.FunctionName == "" {
				return nil, fmt.Errorf("durabletest: history event %d (%s) has no FunctionName and ScheduledTime to rebuild its scheduling from", i, s.EventType)
			}
			e.Input = ""
			st := history.NewTaskScheduled(at, -1, s.FunctionName, payload(s.Input))
			if typ == history.SubOrchestrationInstanceCompleted || typ == history.SubOrchestrationInstanceFailed {
				st = history.NewSubOrchestrationCreated(at, -1, s.FunctionName, "", payload(s.Input))
			}
			rb.sched = &rebuilt{ev: st, arrival: at}
			merged = append(merged, rb.sched)
			timeSet[at] = true
		case history.TimerFired:
			rb.arrival = fireAt
		case history.TimerCreated, history.EventSent, history.ExecutionCompleted, history.ContinueAsNew:
			timeSet[ts] = true
		case history.OrchestratorStarted, history.OrchestratorCompleted, history.TaskScheduled, history.SubOrchestrationInstanceCreated:
			continue // not in this shape; ignore if present
		}
		kept = append(kept, rb)
	}
	times := make([]time.Time, 0, len(timeSet))
	for t := range timeSet {
		times = append(times, t)
	}
	slices.SortFunc(times, time.Time.Compare)
	index := func(t time.Time) int {
		i, _ := slices.BinarySearchFunc(times, t, time.Time.Compare)
		return i
	}
	// Place each kept event in an episode: actions in the episode of their
	// timestamp, received events in the first episode after what preceded
	// them that is not earlier than their arrival.
	startAt := slices.IndexFunc(kept, func(r *rebuilt) bool { return r.ev.EventType == history.ExecutionStarted })
	if startAt < 0 {
		return nil, fmt.Errorf("durabletest: history has no ExecutionStarted event")
	}
	cur, afterAction := index(kept[startAt].ev.Timestamp), false
	for i, r := range kept {
		switch {
		case i <= startAt:
			r.episode = cur
		case isAction(r.ev.EventType):
			r.episode = max(cur, index(r.ev.Timestamp))
			cur, afterAction = r.episode, true
		default:
			lb := cur
			if afterAction {
				lb++
			}
			k := lb
			for k < len(times) && times[k].Before(r.arrival) {
				k++
			}
			if k == len(times) {
				last := r.arrival
				if len(times) > 0 && times[len(times)-1].After(last) {
					last = times[len(times)-1]
				}
				times = append(times, last)
			}
			r.episode = k
			cur, afterAction = k, false
		}
	}
	for _, m := range merged {
		m.episode = index(m.ev.Timestamp)
	}
	// Emit episode by episode: received events, then the actions (merged
	// scheduling rows first, in the order their completions arrived).
	var out []*history.Event
	ki := 0
	for ep := 0; ep < len(times); ep++ {
		var body []*history.Event
		for ki < len(kept) && kept[ki].episode == ep && !isAction(kept[ki].ev.EventType) {
			body = append(body, kept[ki].ev)
			ki++
		}
		for _, m := range merged {
			if m.episode == ep {
				body = append(body, m.ev)
			}
		}
		for ki < len(kept) && kept[ki].episode == ep {
			body = append(body, kept[ki].ev)
			ki++
		}
		if len(body) == 0 {
			continue
		}
		out = append(out, history.NewOrchestratorStarted(times[ep]))
		out = append(out, body...)
		out = append(out, history.NewOrchestratorCompleted(times[ep]))
	}
	// Number the scheduling events and point completions at them.
	seq := 0
	for _, e := range out {
		if e.EventType.IsScheduling() {
			e.EventID = seq
			seq++
		}
	}
	for _, r := range kept {
		if r.sched != nil {
			r.ev.TaskScheduledID = r.sched.ev.EventID
		}
	}
	firedTimers := map[int]bool{}
	for _, e := range out {
		if e.EventType != history.TimerFired {
			continue
		}
		e.TimerID = -1
		for _, c := range out {
			if c.EventType == history.TimerCreated && !firedTimers[c.EventID] && c.FireAt.Equal(e.FireAt) {
				e.TimerID = c.EventID
				firedTimers[c.EventID] = true
				break
			}
		}
	}
	h.Events = out
	return h, nil
}

// isAction reports whether an event of type t records something the
// orchestrator did (and so carries its episode's time).
func isAction(t history.EventType) bool {
	switch t {
	case history.TimerCreated, history.EventSent, history.ExecutionCompleted, history.ContinueAsNew,
		history.TaskScheduled, history.SubOrchestrationInstanceCreated:
		return true
	}
	return false
}
