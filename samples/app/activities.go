package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/godurable/durablefunctions/durable"
)

// The typed handles of SayHello and Square: New registers them and the
// orchestrators call them, so a call site can neither misspell the name nor
// pass an input of the wrong type (that would not compile).
var (
	SayHelloActivity = durable.NewActivity("SayHello", SayHello)
	SquareActivity   = durable.NewActivity("Square", Square)
)

// SayHello greets a city.
func SayHello(_ context.Context, name string) (string, error) {
	return "Hello " + name + "!", nil
}

// Square returns its input squared.
func Square(_ context.Context, n int) (int, error) { return n * n, nil }

// Jobs is the sample's stand-in for an external job system: GetJobStatus
// reports "Completed" for a job once it has been polled Jobs.PollsToComplete
// times (default 2). Real code would call a service here.
var Jobs = &jobBoard{polls: map[string]int{}}

type jobBoard struct {
	mu              sync.Mutex
	polls           map[string]int
	PollsToComplete int
}

// GetJobStatus reports a job's status.
func GetJobStatus(_ context.Context, jobID string) (string, error) {
	Jobs.mu.Lock()
	defer Jobs.mu.Unlock()
	Jobs.polls[jobID]++
	need := Jobs.PollsToComplete
	if need == 0 {
		need = 2
	}
	if Jobs.polls[jobID] >= need {
		return "Completed", nil
	}
	return "Running", nil
}

// SendAlert tells someone the job finished.
func SendAlert(ctx context.Context, jobID string) (string, error) {
	slog.InfoContext(ctx, "job completed", "jobId", jobID)
	return "alerted", nil
}

// RequestApproval asks a person to approve.
func RequestApproval(ctx context.Context, instanceID string) (string, error) {
	slog.InfoContext(ctx, "approval requested", "instanceId", instanceID,
		"approve", fmt.Sprintf("POST .../instances/%s/raiseEvent/ApprovalEvent with body true", instanceID))
	return "requested", nil
}

// ProcessApproval acts on an approval.
func ProcessApproval(ctx context.Context, instanceID string) (string, error) {
	slog.InfoContext(ctx, "approval processed", "instanceId", instanceID)
	return "processed", nil
}

// Escalate raises an approval that timed out.
func Escalate(ctx context.Context, instanceID string) (string, error) {
	slog.InfoContext(ctx, "approval escalated", "instanceId", instanceID)
	return "escalated", nil
}

var flaky = struct {
	sync.Mutex
	calls map[string]int
}{calls: map[string]int{}}

// FlakyActivity fails the first two times it is called for a key.
func FlakyActivity(_ context.Context, key string) (string, error) {
	flaky.Lock()
	defer flaky.Unlock()
	flaky.calls[key]++
	if n := flaky.calls[key]; n <= 2 {
		return "", fmt.Errorf("transient failure %d for %s", n, key)
	}
	return "succeeded after retries", nil
}
