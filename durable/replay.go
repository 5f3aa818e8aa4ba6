package durable

import (
	"encoding/json"

	"github.com/godurable/durablefunctions/internal/replay"
)

// ReplayResult is what orchestrator code did when [Replay] ran it over a
// history.
type ReplayResult struct {
	// Done is true when the code returned within the history: Status is
	// then Completed, Failed or ContinuedAsNew.
	Done    bool
	Status  RuntimeStatus
	Output  json.RawMessage // the return value, when Completed
	Failure *FailureDetails // why it failed, when Failed
	// NewActions are the scheduling events (TaskScheduled, TimerCreated,
	// SubOrchestrationInstanceCreated, EventSent) of what the code did
	// beyond the history: the next steps of an instance still running.
	NewActions []*HistoryEvent
	// Waiting describes what the code waits for when it is not Done
	// ("activity 'X' (task 3)", "external event \"Approval\"").
	Waiting []string
}

// Nondeterministic reports whether the replay failed because the code no
// longer matches the history: it scheduled different work than history
// records, or the history itself is corrupt. An instance with this history
// would fail the same way if the code were deployed.
func (r *ReplayResult) Nondeterministic() bool {
	if r.Failure == nil {
		return false
	}
	return r.Failure.ErrorType == replay.NonDeterminismErrorType || r.Failure.ErrorType == replay.CorruptHistoryErrorType
}

// Replay runs fn over the events of one execution of instanceID exactly as
// the runtime would when the instance next runs, with no store and no
// runtime: activities are not called, their results come from the history.
// Use it to check a code change against histories saved from real
// instances before deploying it; the test kit's CheckReplay builds on it.
// Replay never panics because of fn or the history: a panic, an error, a
// nondeterministic replay or a corrupt history is a Failed result.
func Replay(fn OrchestratorFunc, instanceID string, events []*HistoryEvent) *ReplayResult {
	if fn == nil {
		return &ReplayResult{Done: true, Status: StatusFailed, Failure: &FailureDetails{
			ErrorType: "FunctionNotFound", ErrorMessage: "durable.Replay: the orchestrator function is nil"}}
	}
	res := replay.Execute(func(c *replay.Context) (any, error) {
		return fn(&OrchestrationContext{c: c})
	}, replay.Episode{InstanceID: instanceID, Past: events}, replay.Options{})
	out := &ReplayResult{Done: res.Done, NewActions: res.Actions, Waiting: res.Waiting}
	if res.Done {
		out.Status, out.Failure = res.Status, res.Failure
		if res.Output != "" {
			out.Output = json.RawMessage(res.Output)
		}
	}
	return out
}

// LookupOrchestrator returns the orchestrator registered under name
// (names are case-insensitive).
func (r *Registry) LookupOrchestrator(name string) (OrchestratorFunc, bool) {
	return lookup(r, r.orchestrators, name)
}

// LookupActivity returns the activity registered under name.
func (r *Registry) LookupActivity(name string) (ActivityFunc, bool) {
	return lookup(r, r.activities, name)
}

// LookupEntity returns the entity registered under name.
func (r *Registry) LookupEntity(name string) (EntityFunc, bool) {
	return lookup(r, r.entities, name)
}
