package extension

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
)

// ActivityResult is the outcome of one activity invocation: the result's
// JSON text, or why it failed.
type ActivityResult struct {
	Result  string
	Failure *history.FailureDetails
}

// RunActivity runs activity name for one invocation. In the passthrough
// protocol the extension hands the activity its input untouched: the
// invocation's Metadata carries it as "data" (a JSON token) and the
// instance id as "instanceId".
func (x *Executor) RunActivity(ctx context.Context, name string, inv *Invocation) ActivityResult {
	instanceID, err := inv.MetaString("instanceId")
	if err != nil {
		return protocolFailure(fmt.Errorf("activity %q: %w", name, err))
	}
	input, err := inv.MetaJSON("data")
	if err != nil {
		return protocolFailure(fmt.Errorf("activity %q (instance %q): %w", name, instanceID, err))
	}
	if input != "" && !json.Valid([]byte(input)) {
		return protocolFailure(fmt.Errorf("activity %q (instance %q): the input is not JSON: %s", name, instanceID, abbreviate([]byte(input))))
	}
	run, err := x.activityExecutor(name, inv)
	if err != nil {
		return protocolFailure(fmt.Errorf("activity %q (instance %q): %w", name, instanceID, err))
	}
	out, f := run.RunActivity(ctx, name, instanceID, input)
	return ActivityResult{Result: out, Failure: f}
}

// activityExecutor returns the executor whose activities get the client of
// this invocation's durableClient binding, or the default one.
func (x *Executor) activityExecutor(name string, inv *Invocation) (engine.Executor, error) {
	if x.opts.ActivityClient == nil {
		return x.run, nil
	}
	c, err := x.opts.ActivityClient(name, inv)
	if err != nil || c == nil {
		return x.run, err
	}
	if run, ok := x.withClient.Load(c); ok {
		return run.(engine.Executor), nil
	}
	run, _ := x.withClient.LoadOrStore(c, engine.ExecutorOf(durable.NewWorker(x.reg, c, x.log)))
	return run.(engine.Executor), nil
}

// Value returns the raw value of the binding named name in the
// invocation's Data (case-insensitive), as the host sent it.
func (inv *Invocation) Value(name string) (json.RawMessage, bool) {
	return lookupFold(inv.Data, name)
}

func protocolFailure(err error) ActivityResult {
	return ActivityResult{Failure: &history.FailureDetails{ErrorType: ProtocolErrorType, ErrorMessage: err.Error()}}
}

// ReturnValue is the JSON the reply's ReturnValue carries for a success:
// the result itself, which the extension serializes back to the same JSON
// text for TaskCompleted.
func (r ActivityResult) ReturnValue() json.RawMessage {
	if r.Result == "" {
		return json.RawMessage("null")
	}
	return json.RawMessage(r.Result)
}
