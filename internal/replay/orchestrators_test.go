package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The orchestrators and activities the golden histories are made of. They
// use the core's API the way the durable package does.

// testOrchestrators are looked up by name, so sub-orchestrations find their
// children.
var testOrchestrators = map[string]Orchestrator{
	"HelloSequence":    helloSequence,
	"FanOutFanIn":      fanOutFanIn,
	"Nap":              nap,
	"AwaitApproval":    awaitApproval,
	"TwoApprovals":     twoApprovals,
	"ApprovalOrTimer":  approvalOrTimer,
	"CatchFailure":     catchFailure,
	"UncaughtFailure":  uncaughtFailure,
	"RetryFlaky":       retryFlaky,
	"RetryHopeless":    retryHopeless,
	"Greeter":          greeter,
	"GreetViaChild":    greetViaChild,
	"FailingChild":     failingChild,
	"CatchChild":       catchChild,
	"Counter":          counter,
	"Progress":         progress,
	"Guids":            guids,
	"LongNap":          nap,
	"CancelTimer":      cancelTimer,
	"ApprovalDeadline": approvalDeadline,
	"RetryApproval":    retryApproval,
	"Panics":           panics,
	"TwoSteps":         twoSteps,
}

// newActivities returns fresh activities (some count their calls).
func newActivities() map[string]activityFunc {
	flakyCalls := 0
	return map[string]activityFunc{
		"SayHello": func(in string) (string, error) {
			var city string
			if err := json.Unmarshal([]byte(in), &city); err != nil {
				return "", err
			}
			return jsonText("Hello " + city + "!"), nil
		},
		"Square": func(in string) (string, error) {
			var n int
			if err := json.Unmarshal([]byte(in), &n); err != nil {
				return "", err
			}
			return jsonText(n * n), nil
		},
		"Fail": func(in string) (string, error) {
			var msg string
			_ = json.Unmarshal([]byte(in), &msg)
			return "", errors.New(msg)
		},
		"Flaky": func(string) (string, error) {
			if flakyCalls++; flakyCalls < 3 {
				return "", fmt.Errorf("attempt %d failed", flakyCalls)
			}
			return jsonText(fmt.Sprintf("succeeded on attempt %d", flakyCalls)), nil
		},
		"Echo":  func(in string) (string, error) { return in, nil },
		"Step1": func(in string) (string, error) { return in, nil },
		"Step2": func(in string) (string, error) { return in, nil },
	}
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func helloSequence(c *Context) (any, error) {
	var out []string
	for _, city := range []string{"Tokyo", "Seattle", "London"} {
		var s string
		if err := c.CallActivity("SayHello", city, nil).Await(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func fanOutFanIn(c *Context) (any, error) {
	var n int
	if err := c.GetInput(&n); err != nil {
		return nil, err
	}
	tasks := make([]*Task, n)
	for i := range tasks {
		tasks[i] = c.CallActivity("Square", i+1, nil)
	}
	var squares []int
	if err := c.WhenAll(tasks).Await(&squares); err != nil {
		return nil, err
	}
	sum := 0
	for _, s := range squares {
		sum += s
	}
	return sum, nil
}

// nap sleeps for the duration in its input and reports when it woke up.
func nap(c *Context) (any, error) {
	var d time.Duration
	if err := c.GetInput(&d); err != nil {
		return nil, err
	}
	if err := c.CreateTimer(c.CurrentUTCDateTime().Add(d)).Await(nil); err != nil {
		return nil, err
	}
	return c.CurrentUTCDateTime(), nil
}

func awaitApproval(c *Context) (any, error) {
	var v string
	err := c.WaitForExternalEvent("Approval", 0).Await(&v)
	return v, err
}

// twoApprovals is busy with an activity while two approvals arrive.
func twoApprovals(c *Context) (any, error) {
	if err := c.CallActivity("SayHello", "reviewers", nil).Await(nil); err != nil {
		return nil, err
	}
	var first, second string
	if err := c.WaitForExternalEvent("approval", 0).Await(&first); err != nil {
		return nil, err
	}
	if err := c.WaitForExternalEvent("APPROVAL", 0).Await(&second); err != nil {
		return nil, err
	}
	return []string{first, second}, nil
}

func approvalOrTimer(c *Context) (any, error) {
	timer := c.CreateTimer(c.CurrentUTCDateTime().Add(time.Hour))
	approval := c.WaitForExternalEvent("Approval", 0)
	var winner *Task
	if err := c.WhenAny([]*Task{approval, timer}).Await(&winner); err != nil {
		return nil, err
	}
	if winner == timer {
		return "timed out", nil
	}
	timer.Cancel()
	var who string
	if err := approval.Await(&who); err != nil {
		return nil, err
	}
	return "approved by " + who, nil
}

func catchFailure(c *Context) (any, error) {
	err := c.CallActivity("Fail", "disk full", nil).Await(nil)
	var failed *TaskFailedError
	if !errors.As(err, &failed) {
		return nil, fmt.Errorf("want a TaskFailedError, got %v", err)
	}
	return map[string]any{"kind": failed.Kind, "name": failed.Name, "task": failed.TaskID, "message": failed.Message}, nil
}

func uncaughtFailure(c *Context) (any, error) {
	if err := c.CallActivity("SayHello", "Oslo", nil).Await(nil); err != nil {
		return nil, err
	}
	return nil, c.CallActivity("Fail", "disk full", nil).Await(nil)
}

func retryFlaky(c *Context) (any, error) {
	var out string
	err := c.CallActivity("Flaky", nil, &RetryPolicy{MaxAttempts: 5, FirstRetryInterval: 5 * time.Second, BackoffCoefficient: 2}).Await(&out)
	return out, err
}

func retryHopeless(c *Context) (any, error) {
	err := c.CallActivity("Fail", "still broken", &RetryPolicy{MaxAttempts: 3, FirstRetryInterval: time.Minute, BackoffCoefficient: 3}).Await(nil)
	return nil, err
}

func greeter(c *Context) (any, error) {
	var city, s string
	if err := c.GetInput(&city); err != nil {
		return nil, err
	}
	err := c.CallActivity("SayHello", city, nil).Await(&s)
	return s, err
}

func greetViaChild(c *Context) (any, error) {
	var s string
	if err := c.CallSubOrchestrator("Greeter", "", "Tokyo", nil).Await(&s); err != nil {
		return nil, err
	}
	return "child said: " + s, nil
}

func failingChild(c *Context) (any, error) {
	return nil, c.CallActivity("Fail", "child broke", nil).Await(nil)
}

func catchChild(c *Context) (any, error) {
	err := c.CallSubOrchestrator("FailingChild", "kid-1", nil, nil).Await(nil)
	var failed *TaskFailedError
	if !errors.As(err, &failed) {
		return nil, fmt.Errorf("want a TaskFailedError, got %v", err)
	}
	return map[string]any{"kind": failed.Kind, "name": failed.Name, "message": failed.Message}, nil
}

// counter adds one "Add" event per execution until it reaches 3, keeping
// events that arrived early for the next execution.
func counter(c *Context) (any, error) {
	var n, add int
	if err := c.GetInput(&n); err != nil {
		return nil, err
	}
	if err := c.WaitForExternalEvent("Add", 0).Await(&add); err != nil {
		return nil, err
	}
	if n += add; n < 3 {
		return nil, c.ContinueAsNew(n, true)
	}
	return n, nil
}

func progress(c *Context) (any, error) {
	_ = c.SetCustomStatus("step 1 of 2")
	if err := c.CallActivity("SayHello", "Lima", nil).Await(nil); err != nil {
		return nil, err
	}
	_ = c.SetCustomStatus(map[string]int{"step": 2, "of": 2})
	if err := c.CallActivity("SayHello", "Quito", nil).Await(nil); err != nil {
		return nil, err
	}
	return "done", nil
}

// guids draws ids before and after an activity; the activity records the
// first two, so replays must draw the same ones.
func guids(c *Context) (any, error) {
	a, b := c.NewGUID(), c.NewGUID()
	if err := c.CallActivity("Echo", []string{a, b}, nil).Await(nil); err != nil {
		return nil, err
	}
	return []string{a, b, c.NewGUID()}, nil
}

// cancelTimer cancels a timer that later fires anyway, then sleeps longer.
func cancelTimer(c *Context) (any, error) {
	now := c.CurrentUTCDateTime()
	short := c.CreateTimer(now.Add(time.Hour))
	short.Cancel()
	if err := c.CreateTimer(now.Add(2 * time.Hour)).Await(nil); err != nil {
		return nil, err
	}
	err := short.Await(nil)
	return fmt.Sprintf("canceled timer: %v", err), nil
}

func approvalDeadline(c *Context) (any, error) {
	var who string
	err := c.WaitForExternalEvent("Approval", 30*time.Minute).Await(&who)
	var timeout *TimeoutError
	if errors.As(err, &timeout) {
		return "no approval: " + err.Error(), nil
	}
	return "approved by " + who, err
}

// retryApproval waits again after a timeout; the late event must reach the
// second wait.
func retryApproval(c *Context) (any, error) {
	var who string
	err := c.WaitForExternalEvent("Approval", 30*time.Minute).Await(&who)
	if err == nil {
		return "approved in time by " + who, nil
	}
	if err := c.WaitForExternalEvent("Approval", 0).Await(&who); err != nil {
		return nil, err
	}
	return "approved late by " + who, nil
}

func panics(c *Context) (any, error) {
	if err := c.CallActivity("SayHello", "Rome", nil).Await(nil); err != nil {
		return nil, err
	}
	var m map[string]int
	m["boom"]++ // assignment to entry in nil map
	return nil, nil
}

func twoSteps(c *Context) (any, error) {
	var a, b string
	if err := c.CallActivity("Step1", "a", nil).Await(&a); err != nil {
		return nil, err
	}
	if err := c.CallActivity("Step2", "b", nil).Await(&b); err != nil {
		return nil, err
	}
	return a + b, nil
}

// Changed versions of twoSteps, replayed over its history.

func twoStepsRenamed(c *Context) (any, error) {
	if err := c.CallActivity("Step1", "a", nil).Await(nil); err != nil {
		return nil, err
	}
	return nil, c.CallActivity("Step2Renamed", "b", nil).Await(nil)
}

func twoStepsTimer(c *Context) (any, error) {
	if err := c.CallActivity("Step1", "a", nil).Await(nil); err != nil {
		return nil, err
	}
	return nil, c.CreateTimer(c.CurrentUTCDateTime().Add(time.Minute)).Await(nil)
}

func oneStep(c *Context) (any, error) {
	var a string
	err := c.CallActivity("Step1", "a", nil).Await(&a)
	return a, err
}
