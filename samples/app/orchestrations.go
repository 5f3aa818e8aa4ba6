package app

import (
	"errors"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// HelloSequence chains three activity calls (function chaining).
func HelloSequence(ctx *durable.OrchestrationContext) (any, error) {
	var greetings []string
	for _, city := range []string{"Tokyo", "Seattle", "London"} {
		greeting, err := SayHelloActivity.Call(ctx, city).Await()
		if err != nil {
			return nil, err
		}
		greetings = append(greetings, greeting)
	}
	return greetings, nil
}

// FanOutFanIn squares 1..N in parallel and sums the squares (fan-out/fan-in).
// The input is N, a pointer so that a start without input (nil) means the
// default of 10. FanOutFanIn is a typed handle: New registers it, and Go
// code starts it with FanOutFanIn.Start(ctx, client, &n).
var FanOutFanIn = durable.NewOrchestrator("FanOutFanIn", fanOutFanIn)

func fanOutFanIn(ctx *durable.OrchestrationContext, input *int) (int, error) {
	n := 10
	if input != nil {
		n = *input
	}
	if n < 0 {
		return 0, errors.New("FanOutFanIn: the input must be a non-negative integer")
	}
	tasks := make([]durable.TaskOf[int], n)
	for i := range tasks {
		tasks[i] = SquareActivity.Call(ctx, i+1)
	}
	squares, err := durable.WhenAllOf(ctx, tasks...).Await()
	if err != nil {
		return 0, err
	}
	sum := 0
	for _, s := range squares {
		sum += s
	}
	return sum, nil
}

// MonitorInput configures Monitor.
type MonitorInput struct {
	JobID                  string `json:"jobId"`
	PollingIntervalSeconds int    `json:"pollingIntervalSeconds"`
	ExpirySeconds          int    `json:"expirySeconds"`
}

// Monitor polls GetJobStatus on a durable timer until the job completes
// (then it calls SendAlert) or the expiry passes; it returns the last status
// (the monitor pattern).
func Monitor(ctx *durable.OrchestrationContext) (any, error) {
	var in MonitorInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	if in.PollingIntervalSeconds <= 0 {
		in.PollingIntervalSeconds = 5
	}
	expiry := ctx.CurrentUTCDateTime().Add(time.Duration(in.ExpirySeconds) * time.Second)
	status := "Unknown"
	for {
		if err := ctx.CallActivity("GetJobStatus", in.JobID).Await(&status); err != nil {
			return nil, err
		}
		if status == "Completed" {
			if err := ctx.CallActivity("SendAlert", in.JobID).Await(nil); err != nil {
				return nil, err
			}
			return status, nil
		}
		next := ctx.CurrentUTCDateTime().Add(time.Duration(in.PollingIntervalSeconds) * time.Second)
		if next.After(expiry) {
			return status, nil
		}
		if err := ctx.CreateTimer(next).Await(nil); err != nil {
			return nil, err
		}
	}
}

// ApprovalInput configures ApprovalWorkflow.
type ApprovalInput struct {
	// TimeoutSeconds is how long to wait for the decision (default 72 h).
	TimeoutSeconds int `json:"timeoutSeconds"`
}

// defaultApprovalTimeout is the wait when the input gives none: three
// days, as in the Durable Functions human-interaction sample.
const defaultApprovalTimeout = 72 * 3600

// ApprovalWorkflow asks for approval and waits for the ApprovalEvent or a
// timeout (human interaction).
func ApprovalWorkflow(ctx *durable.OrchestrationContext) (any, error) {
	var in ApprovalInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	if err := ctx.CallActivity("RequestApproval", ctx.InstanceID()).Await(nil); err != nil {
		return nil, err
	}
	if in.TimeoutSeconds <= 0 {
		in.TimeoutSeconds = defaultApprovalTimeout
	}
	deadline := ctx.CurrentUTCDateTime().Add(time.Duration(in.TimeoutSeconds) * time.Second)
	timeout := ctx.CreateTimer(deadline)
	approval := ctx.WaitForExternalEvent("ApprovalEvent")
	var winner durable.Task
	if err := ctx.WhenAny(approval, timeout).Await(&winner); err != nil {
		return nil, err
	}
	if winner == timeout {
		if err := ctx.CallActivity("Escalate", ctx.InstanceID()).Await(nil); err != nil {
			return nil, err
		}
		return "escalated", nil
	}
	timeout.Cancel()
	var approved bool
	if err := approval.Await(&approved); err != nil {
		return nil, err
	}
	if !approved {
		return "rejected", nil
	}
	if err := ctx.CallActivity("ProcessApproval", ctx.InstanceID()).Await(nil); err != nil {
		return nil, err
	}
	return "approved", nil
}

// TransferInput configures TransferFunds.
type TransferInput struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int    `json:"amount"`
}

// TransferFunds moves money between two Account entities inside a critical
// section, so no other operation sees the money in flight. It returns false
// when the source account has too little.
func TransferFunds(ctx *durable.OrchestrationContext) (any, error) {
	var in TransferInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	if in.Amount <= 0 || in.From == "" || in.To == "" || in.From == in.To {
		return nil, errors.New("TransferFunds: want distinct from and to accounts and a positive amount")
	}
	from, to := durable.NewEntityID("Account", in.From), durable.NewEntityID("Account", in.To)
	release, err := ctx.LockEntities(from, to)
	if err != nil {
		return nil, err
	}
	defer release()
	var balance int
	if err := ctx.CallEntity(from, "balance", nil).Await(&balance); err != nil {
		return nil, err
	}
	if balance < in.Amount {
		return false, nil
	}
	if err := ctx.CallEntity(from, "withdraw", in.Amount).Await(nil); err != nil {
		return nil, err
	}
	if err := ctx.CallEntity(to, "deposit", in.Amount).Await(nil); err != nil {
		return nil, err
	}
	return true, nil
}

// RetryThenSucceed calls FlakyActivity, which fails twice for each instance,
// under a retry policy: the retries are durable timers in history.
func RetryThenSucceed(ctx *durable.OrchestrationContext) (any, error) {
	var out string
	err := ctx.CallActivity("FlakyActivity", ctx.InstanceID(), durable.WithRetry(durable.RetryPolicy{
		MaxAttempts: 5, FirstRetryInterval: time.Second, BackoffCoefficient: 2,
	})).Await(&out)
	return out, err
}

// SubOrchestrationParent runs HelloSequence as a sub-orchestration for each
// of two ids and returns both results.
func SubOrchestrationParent(ctx *durable.OrchestrationContext) (any, error) {
	a := ctx.CallSubOrchestrator("HelloSequence", nil, durable.WithInstanceID(ctx.InstanceID()+"-child-1"))
	b := ctx.CallSubOrchestrator("HelloSequence", nil)
	var results [][]string
	if err := ctx.WhenAll(a, b).Await(&results); err != nil {
		return nil, err
	}
	return results, nil
}

// ContinueAsNewCounter counts to its input's "target" by restarting itself
// with a fresh history for every step (eternal orchestrations).
func ContinueAsNewCounter(ctx *durable.OrchestrationContext) (any, error) {
	var state struct {
		Count  int `json:"count"`
		Target int `json:"target"`
	}
	if err := ctx.GetInput(&state); err != nil {
		return nil, err
	}
	if state.Target == 0 {
		state.Target = 10
	}
	if state.Count >= state.Target {
		return state.Count, nil
	}
	state.Count++
	return nil, ctx.ContinueAsNew(state)
}
