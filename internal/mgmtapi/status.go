package mgmtapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/history"
)

// statusTimeLayout is how instance times are written: seconds precision,
// UTC ("s" format plus Z in .NET).
const statusTimeLayout = "2006-01-02T15:04:05Z"

// historyTimeLayout is how history and entity times are written: seven
// fractional digits, as .NET's round-trip format.
const historyTimeLayout = "2006-01-02T15:04:05.0000000Z"

// InstanceStatus is the JSON form of an instance's status.
type InstanceStatus struct {
	Name            string          `json:"name"`
	InstanceID      string          `json:"instanceId"`
	RuntimeStatus   string          `json:"runtimeStatus"`
	Input           json.RawMessage `json:"input"`
	CustomStatus    json.RawMessage `json:"customStatus"`
	Output          json.RawMessage `json:"output"`
	CreatedTime     string          `json:"createdTime"`
	LastUpdatedTime string          `json:"lastUpdatedTime"`
	// Version is the orchestration version, only when the instance has
	// one (Durable Functions' payload has no such member otherwise).
	Version string `json:"version,omitempty"`
	// HistoryEvents is present only when history was asked for.
	HistoryEvents *[]json.RawMessage `json:"historyEvents,omitempty"`
}

type statusView struct {
	showInput         bool
	showHistory       bool
	showHistoryOutput bool
}

func formatStatusTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(statusTimeLayout)
}

func (a *API) statusJSON(st *durable.Status, v statusView) *InstanceStatus {
	out := &InstanceStatus{
		Name:            st.Name,
		InstanceID:      st.InstanceID,
		RuntimeStatus:   st.RuntimeStatus.String(),
		CustomStatus:    toJSON(string(st.CustomStatus)),
		Output:          toJSON(string(st.Output)),
		CreatedTime:     formatStatusTime(st.CreatedAt),
		LastUpdatedTime: formatStatusTime(st.LastUpdatedAt),
		Version:         st.Version,
	}
	if v.showInput {
		out.Input = toJSON(string(st.Input))
	}
	if v.showHistory && st.RuntimeStatus != durable.StatusPending {
		events := transformHistory(st.History, v.showInput, v.showHistoryOutput)
		out.HistoryEvents = &events
	}
	return out
}

// toJSON turns stored payload text into a JSON value as Durable Functions
// does: "" is null, whitespace is the empty string, JSON text is itself,
// anything else (a reason, an error message) is a JSON string.
func toJSON(s string) json.RawMessage {
	switch {
	case s == "":
		return nil
	case strings.TrimSpace(s) == "":
		return json.RawMessage(`""`)
	case json.Valid([]byte(s)):
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// jsonOrNull returns b, or null when it is empty.
func jsonOrNull(b json.RawMessage) []byte {
	if v := toJSON(string(b)); v != nil {
		return v
	}
	return []byte("null")
}

// field is one member of a JSON object whose order is kept.
type field struct {
	key   string
	value json.RawMessage
}

// object is a JSON object with ordered members.
type object []field

func (o object) get(key string) (json.RawMessage, bool) {
	for _, f := range o {
		if f.key == key {
			return f.value, true
		}
	}
	return nil, false
}

func (o *object) set(key string, v json.RawMessage) {
	for i := range *o {
		if (*o)[i].key == key {
			(*o)[i].value = v
			return
		}
	}
	*o = append(*o, field{key, v})
}

func (o *object) del(keys ...string) {
	out := (*o)[:0]
	for _, f := range *o {
		keep := true
		for _, k := range keys {
			if f.key == k {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, f)
		}
	}
	*o = out
}

func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		buf.Write(k)
		buf.WriteByte(':')
		if f.value == nil {
			buf.WriteString("null")
		} else {
			buf.Write(f.value)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// eventObject returns the JSON members of a history event, in order.
func eventObject(e *durable.HistoryEvent) (object, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var o object
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o = append(o, field{key, v})
	}
	return o, nil
}

func quote(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// payloadMember turns a member holding JSON text as a string (Input,
// Result) into the JSON value itself.
func payloadMember(v json.RawMessage) json.RawMessage {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return v
	}
	if out := toJSON(s); out != nil {
		return out
	}
	return json.RawMessage("null")
}

// transformHistory shapes history as the Durable Functions status API
// shows it: event types by name; OrchestratorStarted/Completed left out;
// each TaskScheduled and SubOrchestrationInstanceCreated folded into its
// completion (FunctionName, ScheduledTime, Input) and kept, without its
// Version, while it has none (an activity or sub-orchestration still
// running); ExecutionStarted's Name as FunctionName; EventId, IsPlayed,
// TimerId and TaskScheduledId dropped; Input only with showInput, Result
// only with showOutput. Beyond Durable Functions, a sub-orchestration's
// completion names its child in InstanceId, so that clients (the
// dashboard) can link to it.
func transformHistory(events []*durable.HistoryEvent, showInput, showOutput bool) []json.RawMessage {
	type scheduled struct {
		name, input, instanceID string
		time                    time.Time
	}
	tasks := map[int]scheduled{}
	orchestrations := map[int]scheduled{}
	completedTasks := map[int]bool{}
	completedOrchestrations := map[int]bool{}
	for _, e := range events {
		switch e.EventType {
		case history.TaskScheduled:
			tasks[e.EventID] = scheduled{e.Name, e.Input, "", e.Timestamp}
		case history.SubOrchestrationInstanceCreated:
			orchestrations[e.EventID] = scheduled{e.Name, e.Input, e.InstanceID, e.Timestamp}
		case history.TaskCompleted, history.TaskFailed:
			completedTasks[e.TaskScheduledID] = true
		case history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed:
			completedOrchestrations[e.TaskScheduledID] = true
		}
	}
	out := make([]json.RawMessage, 0, len(events))
	for _, e := range events {
		var from map[int]scheduled
		switch e.EventType {
		case history.OrchestratorStarted, history.OrchestratorCompleted:
			continue
		case history.TaskScheduled:
			if completedTasks[e.EventID] {
				continue
			}
		case history.SubOrchestrationInstanceCreated:
			if completedOrchestrations[e.EventID] {
				continue
			}
		case history.TaskCompleted, history.TaskFailed:
			from = tasks
		case history.SubOrchestrationInstanceCompleted, history.SubOrchestrationInstanceFailed:
			from = orchestrations
		}
		o, err := eventObject(e)
		if err != nil {
			continue
		}
		o.set("EventType", quote(e.EventType.String()))
		o.set("Timestamp", quote(e.Timestamp.UTC().Format(historyTimeLayout)))
		o.del("EventId", "IsPlayed", "TimerId")
		switch e.EventType {
		case history.ExecutionStarted:
			name, _ := o.get("Name")
			o.del("Name", "OrchestrationInstance", "ParentInstance", "Version", "Tags")
			o.set("FunctionName", name)
		case history.TaskScheduled, history.SubOrchestrationInstanceCreated:
			o.del("Version")
		}
		if from != nil {
			o.del("TaskScheduledId", "Input")
			if s, ok := from[e.TaskScheduledID]; ok {
				o.set("FunctionName", quote(s.name))
				o.set("ScheduledTime", quote(s.time.UTC().Format(historyTimeLayout)))
				if s.input != "" {
					o.set("Input", quote(s.input))
				}
				if s.instanceID != "" {
					o.set("InstanceId", quote(s.instanceID))
				}
			}
		}
		if v, ok := o.get("Input"); ok {
			if showInput {
				o.set("Input", payloadMember(v))
			} else {
				o.del("Input")
			}
		}
		if v, ok := o.get("Result"); ok {
			if showOutput {
				o.set("Result", payloadMember(v))
			} else {
				o.del("Result")
			}
		}
		b, err := o.MarshalJSON()
		if err != nil {
			continue
		}
		out = append(out, b)
	}
	return out
}
