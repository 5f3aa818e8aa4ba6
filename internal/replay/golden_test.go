package replay

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

var update = flag.Bool("update", false, "rewrite testdata/*.json from the simulator")

// goldenFile is a saved simulation: every execution it ran, in the order
// they started (continue-as-new executions of an instance follow each
// other), each with its complete history and outcome.
type goldenFile struct {
	Executions []goldenExecution `json:"executions"`
}

type goldenExecution struct {
	Orchestrator string                  `json:"orchestrator"`
	InstanceID   string                  `json:"instanceId"`
	Status       history.RuntimeStatus   `json:"status"`
	Output       string                  `json:"output,omitempty"` // JSON text
	Failure      *history.FailureDetails `json:"failure,omitempty"`
	CustomStatus string                  `json:"customStatus,omitempty"` // JSON text
	NewInput     string                  `json:"newInput,omitempty"`     // JSON text
	CarryOver    []*history.Event        `json:"carryOver,omitempty"`
	History      []*history.Event        `json:"history"`
}

// root is the last execution of the simulated instance.
func (g *goldenFile) root() goldenExecution {
	for i := len(g.Executions) - 1; i > 0; i-- {
		if g.Executions[i].InstanceID == goldenInstance {
			return g.Executions[i]
		}
	}
	return g.Executions[0]
}

const goldenInstance = "golden"

// goldenCase is one scenario: how to simulate it and what the user sees.
type goldenCase struct {
	name         string // what the scenario shows
	file         string // testdata/<file>.json
	orchestrator string // root orchestrator, from testOrchestrators
	input        string // JSON text
	events       []scriptedEvent
	opts         Options
	batch        int

	wantStatus  history.RuntimeStatus
	wantOutput  string   // JSON text of the root's output
	wantFailure []string // fragments of the root's failure message
	// check makes further assertions on the saved simulation.
	check func(t *testing.T, g *goldenFile)

	// replayWith, when set, replaces the root orchestrator when checking:
	// the saved history was made by different code, and replay must fail
	// with a nondeterminism error containing wantNondeterminism.
	replayWith         Orchestrator
	wantNondeterminism []string
}

func goldenCases() []goldenCase {
	hour := jsonText(time.Hour)
	return []goldenCase{
		{
			name: "a chain of activities greets three cities in order", file: "hello_sequence",
			orchestrator: "HelloSequence",
			wantStatus:   history.StatusCompleted, wantOutput: `["Hello Tokyo!","Hello Seattle!","Hello London!"]`,
		},
		{
			name: "a fan-out squares one to ten in parallel and sums the squares", file: "fan_out_fan_in",
			orchestrator: "FanOutFanIn", input: "10", batch: 3,
			wantStatus: history.StatusCompleted, wantOutput: "385",
			check: func(t *testing.T, g *goldenFile) {
				if n := countEvents(g.Executions[0].History, history.TaskScheduled); n != 10 {
					t.Errorf("scheduled %d activities, want 10", n)
				}
			},
		},
		{
			name: "a durable timer wakes the orchestration when it fires", file: "timer",
			orchestrator: "Nap", input: hour,
			wantStatus: history.StatusCompleted, wantOutput: jsonText(simStart.Add(time.Hour)),
		},
		{
			name: "an external event raised after the wait completes it", file: "event_after_wait",
			orchestrator: "AwaitApproval", events: []scriptedEvent{{At: 30 * time.Minute, Name: "Approval", Input: `"Ada"`}},
			wantStatus: history.StatusCompleted, wantOutput: `"Ada"`,
		},
		{
			name: "an external event raised before the wait is buffered", file: "event_before_wait",
			orchestrator: "AwaitApproval", events: []scriptedEvent{{At: 0, Name: "approval", Input: `"Grace"`}},
			wantStatus: history.StatusCompleted, wantOutput: `"Grace"`,
		},
		{
			name: "two early events with the same name are delivered first in first out whatever their case", file: "early_events_fifo",
			orchestrator: "TwoApprovals",
			events:       []scriptedEvent{{At: 0, Name: "Approval", Input: `"first"`}, {At: 0, Name: "APPROVAL", Input: `"second"`}},
			wantStatus:   history.StatusCompleted, wantOutput: `["first","second"]`,
		},
		{
			name: "an event that arrives before the timer wins the race", file: "when_any_event_wins",
			orchestrator: "ApprovalOrTimer", events: []scriptedEvent{{At: 10 * time.Minute, Name: "Approval", Input: `"Ada"`}},
			wantStatus: history.StatusCompleted, wantOutput: `"approved by Ada"`,
		},
		{
			name: "a timer that fires before the event wins the race", file: "when_any_timer_wins",
			orchestrator: "ApprovalOrTimer", events: []scriptedEvent{{At: 2 * time.Hour, Name: "Approval", Input: `"Ada"`}},
			wantStatus: history.StatusCompleted, wantOutput: `"timed out"`,
		},
		{
			name: "a failed activity can be caught as a TaskFailedError", file: "activity_failure_caught",
			orchestrator: "CatchFailure",
			wantStatus:   history.StatusCompleted, wantOutput: `{"kind":"activity","message":"disk full","name":"Fail","task":0}`,
		},
		{
			name: "an uncaught activity failure fails the instance with the activity's message", file: "activity_failure_uncaught",
			orchestrator: "UncaughtFailure",
			wantStatus:   history.StatusFailed, wantFailure: []string{"activity 'Fail' (task 1) failed: disk full"},
			check: func(t *testing.T, g *goldenFile) {
				f := g.Executions[0].Failure
				if f.InnerFailure == nil || f.InnerFailure.ErrorMessage != "disk full" {
					t.Errorf("inner failure = %+v, want the activity's failure", f.InnerFailure)
				}
			},
		},
		{
			name: "a retried activity succeeds on its third attempt after backing off", file: "retry_until_success",
			orchestrator: "RetryFlaky",
			wantStatus:   history.StatusCompleted, wantOutput: `"succeeded on attempt 3"`,
			check: func(t *testing.T, g *goldenFile) {
				assertTimerDelays(t, g.Executions[0].History, 5*time.Second, 10*time.Second)
			},
		},
		{
			name: "a retried activity that keeps failing fails after its last attempt", file: "retry_until_exhausted",
			orchestrator: "RetryHopeless",
			wantStatus:   history.StatusFailed, wantFailure: []string{"activity 'Fail' (task 4) failed: still broken"},
			check: func(t *testing.T, g *goldenFile) {
				if n := countEvents(g.Executions[0].History, history.TaskScheduled); n != 3 {
					t.Errorf("made %d attempts, want 3", n)
				}
				assertTimerDelays(t, g.Executions[0].History, time.Minute, 3*time.Minute)
			},
		},
		{
			name: "a sub-orchestration returns its output to its parent", file: "sub_orchestration",
			orchestrator: "GreetViaChild",
			wantStatus:   history.StatusCompleted, wantOutput: `"child said: Hello Tokyo!"`,
			check: func(t *testing.T, g *goldenFile) {
				child := g.Executions[1]
				if child.Orchestrator != "Greeter" || child.InstanceID != "golden-e1:0" {
					t.Errorf("child = %s %s, want Greeter with the derived id golden-e1:0", child.Orchestrator, child.InstanceID)
				}
			},
		},
		{
			name: "a failed sub-orchestration surfaces as a TaskFailedError in its parent", file: "sub_orchestration_failure",
			orchestrator: "CatchChild",
			wantStatus:   history.StatusCompleted,
			wantOutput:   `{"kind":"sub-orchestration","message":"activity 'Fail' (task 0) failed: child broke","name":"FailingChild"}`,
		},
		{
			name: "continue-as-new carries unprocessed events into the next execution", file: "continue_as_new",
			orchestrator: "Counter", input: "0",
			events:     []scriptedEvent{{At: 0, Name: "Add", Input: "1"}, {At: 0, Name: "Add", Input: "1"}, {At: 0, Name: "Add", Input: "1"}},
			wantStatus: history.StatusCompleted, wantOutput: "3",
			check: func(t *testing.T, g *goldenFile) {
				if len(g.Executions) != 3 {
					t.Fatalf("ran %d executions, want 3", len(g.Executions))
				}
				for i, want := range []int{2, 1} {
					ex := g.Executions[i]
					if ex.Status != history.StatusContinuedAsNew || len(ex.CarryOver) != want {
						t.Errorf("execution %d: %s carrying %d events, want ContinuedAsNew carrying %d", i+1, ex.Status, len(ex.CarryOver), want)
					}
				}
			},
		},
		{
			name: "the custom status is the last value the code set", file: "custom_status",
			orchestrator: "Progress",
			wantStatus:   history.StatusCompleted, wantOutput: `"done"`,
			check: func(t *testing.T, g *goldenFile) {
				if got := g.Executions[0].CustomStatus; got != `{"of":2,"step":2}` {
					t.Errorf("custom status = %s", got)
				}
			},
		},
		{
			name: "NewGUID draws the same ids when the orchestration replays", file: "new_guid",
			orchestrator: "Guids",
			wantStatus:   history.StatusCompleted,
			check: func(t *testing.T, g *goldenFile) {
				var ids []string
				mustUnmarshal(t, g.Executions[0].Output, &ids)
				sent := g.Executions[0].History[2].Input // the Echo activity's input
				if want := jsonText(ids[:2]); sent != want {
					t.Errorf("ids sent to the activity %s, returned after replay %s", sent, want)
				}
				if ids[0] == ids[1] || ids[1] == ids[2] {
					t.Errorf("ids repeat: %v", ids)
				}
			},
		},
		{
			name: "a long timer is chained from shorter timers when the store limits delays", file: "long_timer",
			orchestrator: "LongNap", input: jsonText(7 * 24 * time.Hour),
			opts:       Options{MaxTimerInterval: 72 * time.Hour, LongTimerInterval: 48 * time.Hour},
			wantStatus: history.StatusCompleted, wantOutput: jsonText(simStart.Add(7 * 24 * time.Hour)),
			check: func(t *testing.T, g *goldenFile) {
				assertTimerFireTimes(t, g.Executions[0].History, 48*time.Hour, 96*time.Hour, 144*time.Hour, 168*time.Hour)
			},
		},
		{
			name: "a canceled timer reports ErrCanceled and its firing is ignored", file: "timer_cancel",
			orchestrator: "CancelTimer",
			wantStatus:   history.StatusCompleted, wantOutput: `"canceled timer: durable: task canceled"`,
			check: func(t *testing.T, g *goldenFile) {
				if n := countEvents(g.Executions[0].History, history.TimerFired); n != 2 {
					t.Errorf("%d timers fired, want both", n)
				}
			},
		},
		{
			name: "waiting for an event with a timeout fails with a TimeoutError when nobody answers", file: "event_timeout",
			orchestrator: "ApprovalDeadline",
			wantStatus:   history.StatusCompleted, wantOutput: `"no approval: durable: timed out waiting for external event 'Approval'"`,
		},
		{
			name: "waiting for an event with a timeout returns the event when it arrives in time", file: "event_in_time",
			orchestrator: "ApprovalDeadline", events: []scriptedEvent{{At: 10 * time.Minute, Name: "Approval", Input: `"Ada"`}},
			wantStatus: history.StatusCompleted, wantOutput: `"approved by Ada"`,
		},
		{
			name: "an event raised after a wait timed out goes to the next wait", file: "event_after_timeout",
			orchestrator: "RetryApproval", events: []scriptedEvent{{At: time.Hour, Name: "Approval", Input: `"Ada"`}},
			wantStatus: history.StatusCompleted, wantOutput: `"approved late by Ada"`,
		},
		{
			name: "a panic in orchestrator code fails the instance with its message and stack", file: "panic",
			orchestrator: "Panics",
			wantStatus:   history.StatusFailed, wantFailure: []string{"orchestrator function panicked", "assignment to entry in nil map"},
			check: func(t *testing.T, g *goldenFile) {
				if f := g.Executions[0].Failure; f.StackTrace == "" {
					t.Error("the failure has no stack trace")
				}
			},
		},
		{
			name: "renaming an activity is reported as nondeterminism", file: "nondeterminism_renamed_activity",
			orchestrator: "TwoSteps", replayWith: twoStepsRenamed,
			wantStatus: history.StatusCompleted, wantOutput: `"ab"`,
			wantNondeterminism: []string{"sequence number 1", "an activity task named 'Step2'", "instead scheduled an activity task named 'Step2Renamed'"},
		},
		{
			name: "replacing an activity with a timer is reported as nondeterminism", file: "nondeterminism_timer_for_activity",
			orchestrator: "TwoSteps", replayWith: twoStepsTimer,
			wantStatus: history.StatusCompleted, wantOutput: `"ab"`,
			wantNondeterminism: []string{"sequence number 1", "an activity task named 'Step2'", "instead scheduled a durable timer"},
		},
		{
			name: "code that no longer schedules an activity history has is reported as nondeterminism", file: "nondeterminism_missing_activity",
			orchestrator: "TwoSteps", replayWith: oneStep,
			wantStatus: history.StatusCompleted, wantOutput: `"ab"`,
			wantNondeterminism: []string{"sequence number 1", "named 'Step2'", "hasn't (yet?) scheduled it"},
		},
	}
}

func TestGoldenHistories(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file+".json")
			fresh := simulateGolden(t, tc)
			if *update {
				writeGolden(t, path, fresh)
			}
			saved := readGolden(t, path)
			if a, b := marshalGolden(t, fresh), marshalGolden(t, saved); !bytes.Equal(a, b) {
				t.Errorf("the simulation no longer reproduces %s (run go test -update to accept the change)", path)
			}

			root := saved.root()
			if root.Status != tc.wantStatus {
				t.Fatalf("instance ended %s (failure %+v), want %s", root.Status, root.Failure, tc.wantStatus)
			}
			if tc.wantOutput != "" && root.Output != tc.wantOutput {
				t.Errorf("output = %s, want %s", root.Output, tc.wantOutput)
			}
			for _, frag := range tc.wantFailure {
				if root.Failure == nil || !strings.Contains(root.Failure.ErrorMessage, frag) {
					t.Errorf("failure %+v does not mention %q", root.Failure, frag)
				}
			}
			if tc.check != nil {
				tc.check(t, saved)
			}

			if tc.replayWith != nil {
				r := Execute(tc.replayWith, Episode{InstanceID: root.InstanceID, Past: root.History}, tc.opts)
				assertNondeterminism(t, r, tc.wantNondeterminism)
				return
			}
			for _, ex := range saved.Executions {
				fn := testOrchestrators[ex.Orchestrator]
				assertFullReplay(t, fn, ex, tc.opts)
				assertEpisodes(t, fn, ex, tc.opts)
			}
		})
	}
}

func simulateGolden(t *testing.T, tc goldenCase) *goldenFile {
	s := &simulator{t: t, orchestrators: testOrchestrators, activities: newActivities(), events: tc.events, opts: tc.opts, batch: tc.batch}
	s.run(tc.orchestrator, goldenInstance, tc.input)
	g := &goldenFile{}
	for _, ex := range s.executions {
		r := ex.Result
		g.Executions = append(g.Executions, goldenExecution{
			Orchestrator: ex.Orchestrator, InstanceID: ex.InstanceID, Status: r.Status,
			Output: r.Output, Failure: sanitize(r.Failure), CustomStatus: r.CustomStatus,
			NewInput: r.NewInput, CarryOver: r.CarryOver, History: ex.History,
		})
	}
	return g
}

func marshalGolden(t *testing.T, g *goldenFile) []byte {
	t.Helper()
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func writeGolden(t *testing.T, path string, g *goldenFile) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, marshalGolden(t, g), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readGolden(t *testing.T, path string) *goldenFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var g goldenFile
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(g.Executions) == 0 {
		t.Fatalf("%s holds no executions", path)
	}
	return &g
}
