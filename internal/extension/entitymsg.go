package extension

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
)

// The Functions extension runs entities inside the Durable Task Framework,
// which exchanges entity messages as ordinary events whose payloads are
// DTFx's own JSON types (DurableTask.Core.Entities.EventFormat):
//
//	orchestration → entity   EventSent "op" (or "op@<due>" for a scheduled
//	                          signal) carrying a RequestMessage
//	orchestration → entity   EventSent "release" carrying a ReleaseMessage
//	entity → orchestration   EventRaised named after the request id,
//	                          carrying a ResponseMessage
//
// The replay core speaks a dialect of the same messages (its own ordering
// fields, lock sets as "@name@key" strings). This file translates at the
// boundary, in both directions, so the replay core stays unchanged.

// dtfxRequest is DTFx's RequestMessage as Newtonsoft writes it: the
// DataMember names, with DateTimes in round-trip form.
type dtfxRequest struct {
	Operation         string         `json:"op,omitempty"`
	IsSignal          bool           `json:"signal,omitempty"`
	Input             *string        `json:"input,omitempty"`
	ID                string         `json:"id"`
	ParentInstanceID  string         `json:"parent,omitempty"`
	ParentExecutionID string         `json:"parentExecution,omitempty"`
	ScheduledTime     *dotnetTime    `json:"due,omitempty"`
	Timestamp         dotnetTime     `json:"Timestamp"`
	Predecessor       dotnetTime     `json:"Predecessor"`
	LockSet           []dtfxEntityID `json:"lockset,omitempty"`
	Position          int            `json:"pos,omitempty"`
	IsLockRequest     bool           `json:"IsLockRequest"`
	CreateTrace       bool           `json:"createTrace"`
}

type dtfxEntityID struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

type dtfxRelease struct {
	ParentInstanceID string `json:"parent"`
	ID               string `json:"id"`
}

type dtfxResponse struct {
	Result         *string                 `json:"result"`
	ErrorMessage   *string                 `json:"exceptionType,omitempty"`
	FailureDetails *history.FailureDetails `json:"failureDetails,omitempty"`
}

// dotnetTime is a UTC DateTime in .NET's round-trip ("o") form, which is
// what Newtonsoft writes and what the message sorter compares.
type dotnetTime time.Time

func (t dotnetTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte(`"0001-01-01T00:00:00"`), nil
	}
	return []byte(`"` + tt.UTC().Format("2006-01-02T15:04:05.0000000Z") + `"`), nil
}

func (t *dotnetTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" || strings.HasPrefix(s, "0001-01-01") {
		*t = dotnetTime{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = dotnetTime(v.UTC())
			return nil
		}
	}
	return fmt.Errorf("not a .NET DateTime: %q", s)
}

// maxSignalDelay caps how far ahead a scheduled signal's event name may
// point; the entity scheduler re-schedules a message that arrives before
// its due time, so a cap only costs a hop (Azure Storage queues cannot
// delay messages by more than 7 days).
const maxSignalDelay = 6 * 24 * time.Hour

// sorter assigns the Timestamp and Predecessor of outgoing requests exactly
// as DTFx's MessageSorter.LabelOutgoingMessage does, so that entities
// behind the extension receive one sender's messages in order.
type sorter struct {
	window   time.Duration
	lastSent map[string]time.Time // destination (lower case) → last Timestamp
}

func newSorter(window time.Duration) *sorter {
	return &sorter{window: window, lastSent: map[string]time.Time{}}
}

// observe records a request already in history.
func (s *sorter) observe(e *history.Event) {
	if e.Name != replay.EntityOperationEvent {
		return
	}
	var r dtfxRequest
	if json.Unmarshal([]byte(e.Input), &r) == nil && !time.Time(r.Timestamp).IsZero() {
		s.lastSent[strings.ToLower(e.InstanceID)] = time.Time(r.Timestamp)
	}
}

func (s *sorter) label(r *dtfxRequest, dest string, now time.Time) {
	if s.window <= 0 {
		return
	}
	key := strings.ToLower(dest)
	stamp := now.UTC()
	if last, ok := s.lastSent[key]; ok {
		r.Predecessor = dotnetTime(last)
		if !stamp.After(last) {
			stamp = last.Add(100 * time.Nanosecond) // one .NET tick
		}
	}
	r.Timestamp = dotnetTime(stamp)
	s.lastSent[key] = stamp
}

// toDTFx rewrites one entity message the replay core sent (an EventSent
// action addressed to "@name@key") into the event name and payload the
// extension's entity scheduler reads.
func (s *sorter) toDTFx(a *history.Event) (name, data string, err error) {
	switch a.Name {
	case replay.EntityReleaseEvent:
		var rel replay.EntityRelease
		if err := json.Unmarshal([]byte(a.Input), &rel); err != nil {
			return "", "", fmt.Errorf("lock release to %s: %w", a.InstanceID, err)
		}
		b, err := json.Marshal(dtfxRelease{ParentInstanceID: rel.ParentInstance, ID: rel.LockRequestID})
		return replay.EntityReleaseEvent, string(b), err
	case replay.EntityOperationEvent:
	default:
		return a.Name, a.Input, nil // not an entity message
	}
	var req replay.EntityRequest
	if err := json.Unmarshal([]byte(a.Input), &req); err != nil {
		return "", "", fmt.Errorf("entity request to %s: %w", a.InstanceID, err)
	}
	out := dtfxRequest{Operation: req.Operation, IsSignal: req.IsSignal, ID: req.ID,
		ParentInstanceID: req.ParentInstance, ParentExecutionID: req.ParentExecution, Position: req.Position}
	if req.Input != "" {
		in := req.Input
		out.Input = &in
	}
	for _, id := range req.LockSet {
		n, k := splitEntity(id)
		out.LockSet = append(out.LockSet, dtfxEntityID{Name: n, Key: k})
	}
	out.IsLockRequest = len(out.LockSet) > 0
	name = replay.EntityOperationEvent
	if due := req.ScheduledTime; !due.IsZero() {
		d := dotnetTime(due.UTC())
		out.ScheduledTime = &d
		capped := due.UTC()
		if limit := a.Timestamp.Add(maxSignalDelay); capped.After(limit) {
			capped = limit
		}
		name = "op@" + capped.Format("2006-01-02T15:04:05.0000000Z")
		out.Timestamp = dotnetTime(a.Timestamp)
	} else {
		s.label(&out, a.InstanceID, a.Timestamp)
	}
	b, err := json.Marshal(out)
	return name, string(b), err
}

func splitEntity(id string) (name, key string) {
	name, key, _ = history.SplitEntityID(id)
	return name, key
}

// pendingRequests collects the ids of the entity calls and lock requests
// an execution sent (from its EventSent history), so that their responses
// can be told apart from external events.
func pendingRequests(events ...[]*history.Event) (calls, locks map[string]bool) {
	calls, locks = map[string]bool{}, map[string]bool{}
	for _, list := range events {
		for _, e := range list {
			if e.EventType != history.EventSent || e.Name != replay.EntityOperationEvent {
				continue
			}
			var r dtfxRequest
			if json.Unmarshal([]byte(e.Input), &r) != nil || r.ID == "" || r.IsSignal {
				continue
			}
			if len(r.LockSet) > 0 {
				locks[strings.ToLower(r.ID)] = true
			} else {
				calls[strings.ToLower(r.ID)] = true
			}
		}
	}
	return calls, locks
}

// fromDTFxResponse rewrites an entity's ResponseMessage into the replay
// core's EntityResponse. DTFx stores the error message of an old-style
// failure under "exceptionType" and a new-style one in failureDetails.
func fromDTFxResponse(input string, lock bool) (string, error) {
	var r dtfxResponse
	if err := json.Unmarshal([]byte(input), &r); err != nil {
		return "", fmt.Errorf("entity response: %w", err)
	}
	var out replay.EntityResponse
	switch {
	case lock:
		out.Result = replay.LockGrantedResult
	case r.FailureDetails != nil:
		out.ExceptionType = r.FailureDetails.ErrorType
		out.ErrorMessage = r.FailureDetails.ErrorMessage
		out.StackTrace = r.FailureDetails.StackTrace
		if out.ExceptionType == "" {
			out.ExceptionType = "EntityOperationFailed"
		}
		if out.ErrorMessage == "" {
			out.ErrorMessage = "the entity operation failed"
		}
	case r.ErrorMessage != nil:
		out.ExceptionType, out.ErrorMessage = "EntityOperationFailed", *r.ErrorMessage
	case r.Result != nil:
		out.Result = *r.Result
	}
	b, err := json.Marshal(out)
	return string(b), err
}
