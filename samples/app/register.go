package app

import (
	"errors"

	"github.com/godurable/durablefunctions/durable"
)

// RegisterDurable adds the sample's orchestrators, activities and entities
// to reg.
func RegisterDurable(reg *durable.Registry) error {
	return errors.Join(
		reg.AddOrchestrator("HelloSequence", HelloSequence),
		reg.AddOrchestrator("FanOutFanIn", FanOutFanIn),
		reg.AddOrchestrator("Monitor", Monitor),
		reg.AddOrchestrator("ApprovalWorkflow", ApprovalWorkflow),
		reg.AddOrchestrator("TransferFunds", TransferFunds),
		reg.AddOrchestrator("RetryThenSucceed", RetryThenSucceed),
		reg.AddOrchestrator("SubOrchestrationParent", SubOrchestrationParent),
		reg.AddOrchestrator("ContinueAsNewCounter", ContinueAsNewCounter),

		reg.AddActivity("SayHello", durable.ActivityOf(SayHello)),
		reg.AddActivity("Square", durable.ActivityOf(Square)),
		reg.AddActivity("GetJobStatus", durable.ActivityOf(GetJobStatus)),
		reg.AddActivity("SendAlert", durable.ActivityOf(SendAlert)),
		reg.AddActivity("RequestApproval", durable.ActivityOf(RequestApproval)),
		reg.AddActivity("ProcessApproval", durable.ActivityOf(ProcessApproval)),
		reg.AddActivity("Escalate", durable.ActivityOf(Escalate)),
		reg.AddActivity("FlakyActivity", durable.ActivityOf(FlakyActivity)),

		reg.AddEntity("Counter", Counter),
		reg.AddEntity("Account", accountEntity()),
	)
}
