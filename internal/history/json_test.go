package history

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	t0     = time.Date(2024, 5, 6, 7, 8, 9, 123456700, time.UTC)
	fireAt = t0.Add(time.Hour)
)

// commonKeys are written for every event.
var commonKeys = []string{"EventId", "EventType", "IsPlayed", "Timestamp"}

// everyField sets every field of the union, so that a type that wrote a
// field it does not own would show it.
func everyField(t EventType) *Event {
	start := t0.Add(-time.Minute)
	return &Event{
		EventType: t, EventID: 7, IsPlayed: true, Timestamp: t0,
		Name: "Name", Version: "1.0", Input: `"in"`, Result: `"out"`, InstanceID: "child",
		OrchestrationInstance: &OrchestrationInstance{InstanceID: "i", ExecutionID: "e"},
		ParentInstance:        &ParentInstance{Name: "Parent", TaskScheduleID: 3, OrchestrationInstance: &OrchestrationInstance{InstanceID: "p", ExecutionID: "pe"}},
		ScheduledStartTime:    &start, Tags: map[string]string{"k": "v"}, Generation: 2,
		OrchestrationStatus: StatusCompleted, TaskScheduledID: 4, TimerID: 5, FireAt: fireAt,
		Reason: "reason", Details: "details", FailureDetails: &FailureDetails{ErrorType: "E", ErrorMessage: "m"},
		Data: "data",
	}
}

func TestEachEventTypeWritesOnlyItsOwnFields(t *testing.T) {
	own := map[EventType][]string{
		ExecutionStarted:                  {"Name", "Version", "Input", "OrchestrationInstance", "ParentInstance", "ScheduledStartTime", "Tags", "Generation"},
		ExecutionCompleted:                {"OrchestrationStatus", "Result", "FailureDetails"},
		ExecutionFailed:                   {},
		ExecutionTerminated:               {"Input"},
		TaskScheduled:                     {"Name", "Version", "Input"},
		TaskCompleted:                     {"TaskScheduledId", "Result"},
		TaskFailed:                        {"TaskScheduledId", "Reason", "Details", "FailureDetails"},
		SubOrchestrationInstanceCreated:   {"Name", "Version", "InstanceId", "Input"},
		SubOrchestrationInstanceCompleted: {"TaskScheduledId", "Result"},
		SubOrchestrationInstanceFailed:    {"TaskScheduledId", "Reason", "Details", "FailureDetails"},
		TimerCreated:                      {"FireAt"},
		TimerFired:                        {"TimerId", "FireAt"},
		OrchestratorStarted:               {},
		OrchestratorCompleted:             {},
		EventSent:                         {"InstanceId", "Name", "Input"},
		EventRaised:                       {"Name", "Input"},
		ContinueAsNew:                     {"Result"},
		GenericEvent:                      {"Data"},
		HistoryState:                      {},
		ExecutionSuspended:                {"Reason"},
		ExecutionResumed:                  {"Reason"},
		ExecutionRewound:                  {"Reason"},
	}
	if len(own) != len(eventTypeNames) {
		t.Fatalf("the table covers %d event types, want all %d", len(own), len(eventTypeNames))
	}
	for typ, fields := range own {
		t.Run(typ.String(), func(t *testing.T) {
			b, err := json.Marshal(everyField(typ))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			var got []string
			for k := range m {
				got = append(got, k)
			}
			want := append(slices.Clone(commonKeys), fields...)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("wrote %v, want %v\n%s", got, want, b)
			}
			if string(m["EventType"]) != jsonInt(int(typ)) {
				t.Errorf("EventType written as %s, want the number %d", m["EventType"], typ)
			}
		})
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// eventCase is one event of every type, with the fields its type uses.
type eventCase struct {
	name  string
	event *Event
}

func eventCases() []eventCase {
	started := NewExecutionStarted(t0, "Hello", "i1", "e1", `{"city":"Tokyo"}`,
		&ParentInstance{Name: "Parent", TaskScheduleID: 2, OrchestrationInstance: &OrchestrationInstance{InstanceID: "p", ExecutionID: "pe"}}, &fireAt)
	started.Version, started.Tags, started.Generation = "2", map[string]string{"team": "blue"}, 3
	failure := &FailureDetails{ErrorType: "IOError", ErrorMessage: "disk full", StackTrace: "at main", IsNonRetriable: true,
		InnerFailure: &FailureDetails{ErrorMessage: "inner"}}
	scheduled := NewTaskScheduled(t0, 0, "SayHello", `"Tokyo"`)
	scheduled.Version = "1"
	return []eventCase{
		{"an execution start with parent, tags and a scheduled start", started},
		{"a completed execution", NewExecutionCompleted(t0, StatusCompleted, `["a"]`, nil)},
		{"a failed execution", NewExecutionCompleted(t0, StatusFailed, "", failure)},
		{"an ExecutionFailed event", &Event{EventType: ExecutionFailed, EventID: -1, Timestamp: t0}},
		{"a termination", NewExecutionTerminated(t0, `"by operator"`)},
		{"a scheduled activity with version", scheduled},
		{"a scheduled activity with the first id and no input", NewTaskScheduled(t0, 0, "NoInput", "")},
		{"a completed activity of task zero", NewTaskCompleted(t0, 0, `42`)},
		{"a failed activity", NewTaskFailed(t0, 3, failure)},
		{"a created sub-orchestration", NewSubOrchestrationCreated(t0, 1, "Child", "c1", `null`)},
		{"a completed sub-orchestration", NewSubOrchestrationCompleted(t0, 1, `"ok"`)},
		{"a failed sub-orchestration", NewSubOrchestrationFailed(t0, 1, failure)},
		{"a created timer", NewTimerCreated(t0, 2, fireAt)},
		{"a fired timer", NewTimerFired(t0, 2, fireAt)},
		{"an episode start", NewOrchestratorStarted(t0)},
		{"an episode end", NewOrchestratorCompleted(t0)},
		{"a message to an entity", NewEventSent(t0, 4, "@counter@1", "op", `{"op":"add"}`)},
		{"a raised event", NewEventRaised(t0, "Approval", `true`)},
		{"a raised event without data", NewEventRaised(t0, "Ping", "")},
		{"a continue-as-new", &Event{EventType: ContinueAsNew, EventID: -1, Timestamp: t0, Result: `7`}},
		{"a generic event", NewGenericEvent(t0, "anything")},
		{"a history state event", &Event{EventType: HistoryState, EventID: -1, Timestamp: t0}},
		{"a suspension", NewExecutionSuspended(t0, "maintenance")},
		{"a resumption", NewExecutionResumed(t0, "done")},
		{"a rewind", NewExecutionRewound(t0, "retry")},
	}
}

func TestEventsDecodeBackToThemselves(t *testing.T) {
	tests := eventCases()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.event)
			if err != nil {
				t.Fatal(err)
			}
			var got Event
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if !reflect.DeepEqual(&got, tc.event) {
				t.Errorf("decoded\n%+v\nwant\n%+v\nfrom %s", got, *tc.event, b)
			}
		})
	}
}

// dtfxPayload is an orchestration trigger payload as the Durable extension
// sends it (shape from the protocol description, §3.1), with fields this
// package does not know.
const dtfxPayload = `{"history":[
  {"EventType":12,"EventId":-1,"IsPlayed":false,"Timestamp":"2019-12-08T23:18:41.3240927Z"},
  {"OrchestrationInstance":{"InstanceId":"48d0f95957504c2fa579e810a390b938","ExecutionId":"fd183ee02e4b4fd18c95b773cfb5452b"},
   "EventType":0,"ParentInstance":null,"Name":"DurableOrchestratorTrigger","Version":"","Input":"null","Tags":null,
   "Correlation":null,"ParentTraceContext":{"TraceParent":"00-abc-def-01","TraceState":null},"Generation":null,
   "EventId":-1,"IsPlayed":false,"Timestamp":"2019-12-08T23:18:39.756132Z"},
  {"EventType":4,"EventId":0,"IsPlayed":true,"Timestamp":"2019-12-08T23:18:42.0000001Z","Name":"SayHello","Version":"","Input":"[\"Tokyo\"]","Tags":{"a":"b"}},
  {"EventType":6,"EventId":-1,"IsPlayed":false,"Timestamp":"2019-12-08T23:18:43.1234567Z","TaskScheduledId":0,"Reason":"boom","Details":"at x",
   "FailureDetails":{"ErrorType":"System.Exception","ErrorMessage":"boom","StackTrace":"at x","InnerFailure":null,"IsNonRetriable":false,"Properties":{"k":1}}},
  {"EventType":11,"EventId":-1,"IsPlayed":false,"Timestamp":"2019-12-08T23:18:44Z","TimerId":1,"FireAt":"2019-12-08T23:18:44.5"},
  {"EventType":1,"EventId":-1,"Timestamp":"2019-12-08T23:18:45.0000000+00:00","OrchestrationStatus":1,"Result":"\"done\""}],
 "input":null,"instanceId":"48d0f95957504c2fa579e810a390b938","isReplaying":false,"parentInstanceId":null,
 "upperSchemaVersion":1,"upperSchemaVersionNew":2,"longRunningTimerIntervalDuration":"3.00:00:00",
 "maximumShortTimerDuration":"6.00:00:00","defaultHttpAsyncRequestSleepTimeMillseconds":30000}`

func TestDecodesTheDurableExtensionsHistory(t *testing.T) {
	var payload struct {
		History []*Event `json:"history"`
	}
	if err := json.Unmarshal([]byte(dtfxPayload), &payload); err != nil {
		t.Fatal(err)
	}
	h := payload.History
	if len(h) != 6 {
		t.Fatalf("decoded %d events, want 6", len(h))
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"the episode starts at a time with seven fractional digits", h[0].Timestamp, time.Date(2019, 12, 8, 23, 18, 41, 324092700, time.UTC)},
		{"the start event is ExecutionStarted", h[1].EventType, ExecutionStarted},
		{"the orchestrator name is read", h[1].Name, "DurableOrchestratorTrigger"},
		{"the instance is read", *h[1].OrchestrationInstance, OrchestrationInstance{InstanceID: "48d0f95957504c2fa579e810a390b938", ExecutionID: "fd183ee02e4b4fd18c95b773cfb5452b"}},
		{"a null input is the JSON text null", h[1].Input, "null"},
		{"a null parent is nil", h[1].ParentInstance == nil, true},
		{"non-scheduling events have EventId -1", h[1].EventID, -1},
		{"a scheduled task keeps its id", h[2].EventID, 0},
		{"IsPlayed is read", h[2].IsPlayed, true},
		{"the task input is JSON text", h[2].Input, `["Tokyo"]`},
		{"a failure names the failed task", h[3].TaskScheduledID, 0},
		{"a failure keeps its details", *h[3].FailureDetails, FailureDetails{ErrorType: "System.Exception", ErrorMessage: "boom", StackTrace: "at x"}},
		{"a fired timer names its timer", h[4].TimerID, 1},
		{"a timestamp without a zone is UTC", h[4].FireAt, time.Date(2019, 12, 8, 23, 18, 44, 500000000, time.UTC)},
		{"a numeric status is read", h[5].OrchestrationStatus, StatusCompleted},
		{"an offset timestamp is the same instant", h[5].Timestamp.Equal(time.Date(2019, 12, 8, 23, 18, 45, 0, time.UTC)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %#v, want %#v", tc.got, tc.want)
			}
		})
	}
}

func TestDecodingIgnoresUnknownFieldsAndCase(t *testing.T) {
	var e Event
	in := `{"eventtype":5,"eventId":-1,"TIMESTAMP":"2024-01-01T00:00:00Z","taskscheduledid":3,"result":"1","Surprise":{"x":[1,2]},"Name2":"?"}`
	if err := json.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	want := NewTaskCompleted(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 3, "1")
	if !reflect.DeepEqual(&e, want) {
		t.Errorf("decoded %+v, want %+v", e, *want)
	}
}

func TestDecodingRejectsWhatIsNotAnEvent(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"an unknown event type", `{"EventType":99}`, "unknown EventType 99"},
		{"a negative event type", `{"EventType":-1}`, "unknown EventType -1"},
		{"an id that is not a number", `{"EventType":4,"EventId":"zero"}`, "cannot unmarshal"},
		{"a timestamp that is not a time", `{"EventType":12,"Timestamp":"yesterday"}`, "cannot parse"},
		{"an array", `[1]`, "cannot unmarshal array"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e Event
			err := json.Unmarshal([]byte(tc.json), &e)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestMissingEventIdMeansNotASchedulingEvent(t *testing.T) {
	var e Event
	if err := json.Unmarshal([]byte(`{"EventType":15,"Name":"Go"}`), &e); err != nil {
		t.Fatal(err)
	}
	if e.EventID != -1 {
		t.Errorf("EventID = %d, want -1", e.EventID)
	}
}

func TestRuntimeStatusSurvivesARoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want RuntimeStatus
		out  string
	}{
		{"a name is read and written as a name", `"Completed"`, StatusCompleted, `"Completed"`},
		{"a name is read whatever its case", `"continuedasnew"`, StatusContinuedAsNew, `"ContinuedAsNew"`},
		{"a known number is written as its name", `3`, StatusFailed, `"Failed"`},
		{"an unknown number is written as a number", `99`, RuntimeStatus(99), `99`},
		{"null is Unknown", `null`, StatusUnknown, `"Unknown"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s RuntimeStatus
			if err := json.Unmarshal([]byte(tc.in), &s); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if s != tc.want || string(b) != tc.out {
				t.Errorf("read %s as %v and wrote %s, want %v and %s", tc.in, s, b, tc.want, tc.out)
			}
		})
	}
}

func TestSplitEntityIDReadsOnlyTheAtNameAtKeyForm(t *testing.T) {
	for _, tc := range []struct {
		id, name, key string
		ok            bool
	}{
		{"@counter@a", "counter", "a", true},
		{"@counter@", "counter", "", true},
		{"@counter@a@b", "counter", "a@b", true},
		{"@@a", "", "a", false},
		{"@counter", "counter", "", false},
		{"counter@a", "counter", "a", false},
		{"", "", "", false},
	} {
		name, key, ok := SplitEntityID(tc.id)
		if name != tc.name || key != tc.key || ok != tc.ok {
			t.Errorf("SplitEntityID(%q) = %q, %q, %v; want %q, %q, %v", tc.id, name, key, ok, tc.name, tc.key, tc.ok)
		}
	}
}
