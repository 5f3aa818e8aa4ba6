package replay

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// This file holds a small engine for tests: it runs orchestrations episode
// by episode through Execute and writes history the way a real engine does,
// so tests can check replay against complete, realistic histories.

// activityFunc is an activity as the simulator runs it: JSON text in, JSON
// text out.
type activityFunc func(input string) (string, error)

// scriptedEvent is an external event raised to the root instance At after it
// started.
type scriptedEvent struct {
	At    time.Duration
	Name  string
	Input string // JSON text
}

// simStart is the simulated clock's origin.
var simStart = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

// simStackTrace replaces stack traces in recorded history, so saved
// histories do not depend on source line numbers or paths.
const simStackTrace = "(stack trace)"

// simulator plays the engine's role for a set of orchestrators and
// activities. Each instance runs on a simulated clock: an episode starts
// whenever something happened (activities completed, timers came due,
// scripted events were raised), and the clock only jumps forward to the next
// such moment.
type simulator struct {
	t             testing.TB
	orchestrators map[string]Orchestrator
	activities    map[string]activityFunc
	events        []scriptedEvent // raised to the root instance
	opts          Options
	// batch is how many activity and sub-orchestration results one episode
	// delivers (0: all that are ready).
	batch int

	executions []*simExecution // every finished or stuck execution, in order

	// execute runs an episode (nil: Execute); episodes records each
	// episode's result, in the order they ran.
	execute  func(fn Orchestrator, ep Episode, opts Options) *Result
	episodes []*Result
}

// simExecution is the history of one execution and how it ended.
type simExecution struct {
	Orchestrator string
	InstanceID   string
	History      []*history.Event
	Result       *Result // of the last episode
}

// run runs the root instance of orchestration name to the end and returns
// the result of its last execution.
func (s *simulator) run(name, instanceID, input string) *Result {
	r, _ := s.runInstance(name, instanceID, input, simStart, nil, s.events)
	return r
}

// runInstance runs an instance through all its executions (continue-as-new
// starts another) and returns the last result and the clock at its end.
func (s *simulator) runInstance(name, instanceID, input string, start time.Time, parent *history.ParentInstance, events []scriptedEvent) (*Result, time.Time) {
	var carry []*history.Event
	clock := start
	for gen := 1; ; gen++ {
		if gen > 20 {
			s.t.Fatalf("instance %s continued as new more than 20 times", instanceID)
		}
		ex := &simExecution{Orchestrator: name, InstanceID: instanceID}
		s.executions = append(s.executions, ex)
		es := history.NewExecutionStarted(clock, name, instanceID, instanceID+"-e"+strconv.Itoa(gen), input, parent, nil)
		clock = s.runExecution(ex, es, carry, clock, events)
		events = nil // scripted events are raised once, to the first execution
		if ex.Result.Status != history.StatusContinuedAsNew {
			return ex.Result, clock
		}
		input, carry = ex.Result.NewInput, ex.Result.CarryOver
		clock = clock.Add(time.Second)
	}
}

type simTimer struct {
	id     int
	fireAt time.Time
}

// runExecution runs one execution until it is done or waits for something
// that will never happen, and returns the clock at its end.
func (s *simulator) runExecution(ex *simExecution, es *history.Event, carry []*history.Event, clock time.Time, events []scriptedEvent) time.Time {
	fn := s.orchestrators[es.Name]
	if fn == nil {
		s.t.Fatalf("simulator: no orchestrator %q", es.Name)
	}
	var (
		ready  []*history.Event // completions waiting for the next episode
		timers []simTimer
		start  = clock
	)
	newEvents := append([]*history.Event{history.NewOrchestratorStarted(clock), es}, carry...)
	for episode := 0; ; episode++ {
		if episode > 1000 {
			s.t.Fatalf("simulator: instance %s ran more than 1000 episodes", ex.InstanceID)
		}
		// Scripted events due by now arrive with this episode.
		for len(events) > 0 && !start.Add(events[0].At).After(clock) {
			newEvents = append(newEvents, history.NewEventRaised(clock, events[0].Name, events[0].Input))
			events = events[1:]
		}
		execute := s.execute
		if execute == nil {
			execute = Execute
		}
		r := execute(fn, Episode{InstanceID: ex.InstanceID, Past: ex.History, New: newEvents}, s.opts)
		s.episodes = append(s.episodes, r)
		ex.Result = r
		ex.History = append(ex.History, newEvents...)
		ex.History = append(ex.History, r.Actions...)
		ex.History = append(ex.History, history.NewOrchestratorCompleted(clock))
		if r.Done {
			ex.History = append(ex.History, history.NewExecutionCompleted(clock, r.Status, r.Output, sanitize(r.Failure)))
			return clock
		}
		for _, a := range r.Actions {
			switch a.EventType {
			case history.TaskScheduled:
				ready = append(ready, s.runActivity(clock, a))
			case history.TimerCreated:
				timers = append(timers, simTimer{a.EventID, a.FireAt})
			case history.SubOrchestrationInstanceCreated:
				parent := &history.ParentInstance{Name: es.Name, TaskScheduleID: a.EventID, OrchestrationInstance: es.OrchestrationInstance}
				child, end := s.runInstance(a.Name, a.InstanceID, a.Input, clock, parent, nil)
				clock = later(clock, end) // the parent hears of it after it ended
				if child.Status == history.StatusCompleted {
					ready = append(ready, history.NewSubOrchestrationCompleted(clock, a.EventID, child.Output))
				} else {
					ready = append(ready, history.NewSubOrchestrationFailed(clock, a.EventID, sanitize(child.Failure)))
				}
			default:
				s.t.Fatalf("simulator: cannot execute %s actions", a.EventType)
			}
		}

		// The next episode starts when something happens.
		var next time.Time
		switch {
		case len(ready) > 0:
			next = clock.Add(time.Second)
		default:
			for _, tm := range timers {
				if next.IsZero() || tm.fireAt.Before(next) {
					next = tm.fireAt
				}
			}
			if len(events) > 0 && (next.IsZero() || start.Add(events[0].At).Before(next)) {
				next = start.Add(events[0].At)
			}
			if next.IsZero() {
				return clock // waits for something that never comes
			}
		}
		clock = later(clock, next)
		newEvents = []*history.Event{history.NewOrchestratorStarted(clock)}
		n := len(ready)
		if s.batch > 0 {
			n = min(n, s.batch)
		}
		for _, e := range ready[:n] {
			e.Timestamp = clock
			newEvents = append(newEvents, e)
		}
		ready = ready[n:]
		timers = slices.DeleteFunc(timers, func(tm simTimer) bool {
			if tm.fireAt.After(clock) {
				return false
			}
			newEvents = append(newEvents, history.NewTimerFired(clock, tm.id, tm.fireAt))
			return true
		})
	}
}

// runActivity executes a scheduled activity and returns its completion.
func (s *simulator) runActivity(now time.Time, a *history.Event) *history.Event {
	fn := s.activities[a.Name]
	if fn == nil {
		return history.NewTaskFailed(now, a.EventID, &history.FailureDetails{ErrorType: "FunctionNotFound",
			ErrorMessage: fmt.Sprintf("activity '%s' does not exist", a.Name)})
	}
	out, err := fn(a.Input)
	if err != nil {
		return history.NewTaskFailed(now, a.EventID, &history.FailureDetails{ErrorType: ErrorTypeOf(err), ErrorMessage: err.Error()})
	}
	return history.NewTaskCompleted(now, a.EventID, out)
}

// sanitize replaces stack traces, which name source files and lines, with a
// fixed text.
func sanitize(f *history.FailureDetails) *history.FailureDetails {
	if f == nil {
		return nil
	}
	c := *f
	if c.StackTrace != "" {
		c.StackTrace = simStackTrace
	}
	c.InnerFailure = sanitize(f.InnerFailure)
	return &c
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
