package replay

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// FuzzReplay decodes arbitrary history JSON, splits it into past and new
// events, and replays it with every test orchestrator. Whatever the history
// holds (bad or duplicate ids, completions for unknown tasks, no
// ExecutionStarted, null events), the outcome must be a decoding error, a
// suspended episode or a well-formed result: never a panic or a hang.
func FuzzReplay(f *testing.F) {
	forEachGoldenHistory(f, func(h []byte, n int) { f.Add(h, uint16(n/2)) })
	for _, seed := range adversarialHistories {
		f.Add([]byte(seed.history), uint16(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		var h []*history.Event
		if err := json.Unmarshal(data, &h); err != nil {
			return // rejected while decoding: fine
		}
		assertStableEncoding(t, h)
		cut := int(split) % (len(h) + 1)
		for _, name := range fuzzOrchestratorNames() {
			r := executeWithin(t, fuzzOrchestrators[name], Episode{InstanceID: "fuzz", Past: h[:cut], New: h[cut:]}, fuzzOptions)
			assertWellFormed(t, name, r)
		}
	})
}

// forEachGoldenHistory calls seed with the JSON text and length of every
// execution's history saved in testdata: fuzz seeds.
func forEachGoldenHistory(f *testing.F, seed func(h []byte, n int)) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		var g goldenFile
		if err := json.Unmarshal(b, &g); err != nil {
			f.Fatalf("%s: %v", path, err)
		}
		for _, ex := range g.Executions {
			h, err := json.Marshal(ex.History)
			if err != nil {
				f.Fatal(err)
			}
			seed(h, len(ex.History))
		}
	}
}

// adversarialHistories are hand-written corrupt histories; they seed the
// fuzzer and are replayed by TestCorruptHistories.
var adversarialHistories = []struct {
	name    string
	history string
}{
	{"an empty history", `[]`},
	{"a history of one null event", `[null]`},
	{"a null event after the start", `[{"EventType":12,"Timestamp":"2024-01-01T00:00:00Z"},{"EventType":0,"Name":"x"},null]`},
	{"a history without ExecutionStarted", `[{"EventType":12,"Timestamp":"2024-01-01T00:00:00Z"},{"EventType":5,"TaskScheduledId":0,"Result":"1"}]`},
	{"a scheduling event with a huge EventId", `[{"EventType":0},{"EventType":4,"EventId":9223372036854775807,"Name":"SayHello"}]`},
	{"a scheduling event with a negative EventId", `[{"EventType":0},{"EventType":10,"EventId":-5}]`},
	{"two scheduling events with the same EventId", `[{"EventType":0},{"EventType":4,"EventId":0,"Name":"SayHello"},{"EventType":4,"EventId":0,"Name":"SayHello"}]`},
	{"a completion for an unknown task", `[{"EventType":0},{"EventType":5,"TaskScheduledId":42,"Result":"\"x\""},{"EventType":11,"TimerId":-1}]`},
	{"a completion with a huge task id", `[{"EventType":0},{"EventType":8,"TaskScheduledId":9223372036854775807}]`},
	{"duplicate completions", `[{"EventType":0},{"EventType":4,"EventId":0,"Name":"SayHello"},{"EventType":5,"TaskScheduledId":0,"Result":"\"a\""},{"EventType":6,"TaskScheduledId":0},{"EventType":5,"TaskScheduledId":0,"Result":"\"b\""}]`},
	{"a task completion for a timer", `[{"EventType":0,"Input":"3600000000000"},{"EventType":10,"EventId":0},{"EventType":5,"TaskScheduledId":0,"Result":"{}"}]`},
	{"a result that is not JSON", `[{"EventType":0},{"EventType":4,"EventId":0,"Name":"SayHello"},{"EventType":5,"TaskScheduledId":0,"Result":"{not json"}]`},
	{"an entity response that is not JSON", `[{"EventType":0},{"EventType":15,"Name":"Approval","Input":"nope"}]`},
	{"two ExecutionStarted events", `[{"EventType":0,"Name":"a"},{"EventType":0,"Name":"b"}]`},
	{"timestamps out of order", `[{"EventType":12,"Timestamp":"2030-01-01T00:00:00Z"},{"EventType":0},{"EventType":12,"Timestamp":"2000-01-01T00:00:00Z"}]`},
}

// fuzzOptions chain timers longer than two days, so long timers are
// exercised too.
var fuzzOptions = Options{MaxTimerInterval: 48 * time.Hour, LongTimerInterval: 24 * time.Hour}

// fuzzOrchestrators are the golden orchestrators (minus the one that
// panics on purpose and the one whose size comes from its input) and one
// that uses every feature.
var fuzzOrchestrators = func() map[string]Orchestrator {
	m := map[string]Orchestrator{"KitchenSink": kitchenSink}
	for name, fn := range testOrchestrators {
		if name != "FanOutFanIn" && name != "Panics" {
			m[name] = fn
		}
	}
	return m
}()

func fuzzOrchestratorNames() []string {
	names := make([]string, 0, len(fuzzOrchestrators))
	for name := range fuzzOrchestrators {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// kitchenSink touches every part of the API and carries on past errors, so
// any history drives it somewhere.
func kitchenSink(c *Context) (any, error) {
	_ = c.SetCustomStatus("starting")
	now := c.CurrentUTCDateTime()
	var greeting string
	_ = c.CallActivity("SayHello", "Tokyo", nil).Await(&greeting)
	all := c.WhenAll([]*Task{
		c.CallActivity("Square", 3, nil),
		c.CallSubOrchestrator("Greeter", "", "Oslo", nil),
		c.CreateTimer(now.Add(time.Hour)),
	})
	var results []json.RawMessage
	_ = all.Await(&results)
	var winner *Task
	_ = c.WhenAny([]*Task{c.WaitForExternalEvent("Approval", time.Minute), c.CreateTimer(now.Add(5 * 24 * time.Hour))}).Await(&winner)
	_ = c.CallActivity("Flaky", nil, &RetryPolicy{MaxAttempts: 3, FirstRetryInterval: time.Second, BackoffCoefficient: 2}).Await(nil)
	_ = c.CallSubOrchestrator("Greeter", "kid", "Rome", &RetryPolicy{MaxAttempts: 2, FirstRetryInterval: time.Second}).Await(nil)
	var n int
	_ = c.WaitForExternalEvent("Number", 0).Await(&n)
	var reply string
	_ = c.CallEntity("@counter@1", "get", nil).Await(&reply)
	_ = c.SignalEntity("@counter@1", "add", 1, time.Time{})
	t := c.CreateTimer(now.Add(time.Minute))
	t.Cancel()
	_ = c.SetCustomStatus(c.NewGUID())
	if n%2 == 0 {
		return nil, c.ContinueAsNew(n+1, true)
	}
	return []any{greeting, results, n, reply}, nil
}

// executeWithin runs Execute and fails the test if it does not return in
// time.
func executeWithin(t *testing.T, fn Orchestrator, ep Episode, opts Options) *Result {
	t.Helper()
	out := make(chan *Result, 1)
	go func() { out <- Execute(fn, ep, opts) }()
	select {
	case r := <-out:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("Execute did not return within 10s")
		return nil
	}
}

// assertWellFormed checks what an engine relies on in any result.
func assertWellFormed(t *testing.T, orchestrator string, r *Result) {
	t.Helper()
	if r == nil {
		t.Fatalf("%s: Execute returned nil", orchestrator)
	}
	if r.Failure != nil && r.Failure.ErrorType == PanicErrorType {
		// The orchestrators never panic: this panic came from the core.
		t.Fatalf("%s: replay panicked: %s\n%s", orchestrator, r.Failure.ErrorMessage, r.Failure.StackTrace)
	}
	switch {
	case !r.Done && r.Failure != nil:
		t.Fatalf("%s: an unfinished episode carries failure %+v", orchestrator, r.Failure)
	case r.Done && r.Status == history.StatusFailed && r.Failure == nil:
		t.Fatalf("%s: failed without failure details", orchestrator)
	case r.Done && r.Status != history.StatusCompleted && r.Status != history.StatusFailed && r.Status != history.StatusContinuedAsNew:
		t.Fatalf("%s: finished with status %s", orchestrator, r.Status)
	}
	for i, a := range r.Actions {
		if !a.EventType.IsScheduling() {
			t.Fatalf("%s: action %d is a %s event", orchestrator, i, a.EventType)
		}
		if i > 0 && a.EventID != r.Actions[i-1].EventID+1 {
			t.Fatalf("%s: action ids %d then %d are not consecutive", orchestrator, r.Actions[i-1].EventID, a.EventID)
		}
	}
}

// assertStableEncoding checks that a decoded history encodes, and that the
// encoding decodes back to itself.
func assertStableEncoding(t *testing.T, h []*history.Event) {
	t.Helper()
	first, err := json.Marshal(h)
	if err != nil {
		return // some values (years past 9999) cannot be written: an error is fine
	}
	var again []*history.Event
	if err := json.Unmarshal(first, &again); err != nil {
		t.Fatalf("cannot decode our own encoding %s: %v", first, err)
	}
	second, err := json.Marshal(again)
	if err != nil || !bytes.Equal(first, second) {
		t.Fatalf("encoding is not stable:\n%s\n%s (%v)", first, second, err)
	}
}
