// Package e2etest is the end-to-end suite: orchestration and entity
// behaviour as a user sees it through durable.Client, run unchanged against
// every store (memory, sqlite, Azure Storage) by each store's tests.
package e2etest

import (
	"context"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// StoreFactory opens a fresh, empty store for one test.
type StoreFactory func(t *testing.T) *durable.Store

type suite struct {
	newStore StoreFactory
	opts     []durable.RuntimeOption
}

// Run runs every semantic test against stores from newStore. opts are added
// to every runtime (e.g. a store's maximum timer interval).
func Run(t *testing.T, newStore StoreFactory, opts ...durable.RuntimeOption) {
	s := &suite{newStore: newStore, opts: opts}
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *suite)
	}{
		{"chaining returns every greeting in order", testChainingReturnsEveryGreetingInOrder},
		{"fan-out/fan-in sums the squares", testFanOutFanInSumsTheSquares},
		{"human interaction is approved by an event", testHumanInteractionIsApprovedByAnEvent},
		{"human interaction escalates when the timer fires", testHumanInteractionEscalatesWhenTheTimerFires},
		{"event raised before the wait is delivered", testEventRaisedBeforeTheWaitIsDelivered},
		{"activity failure reaches the orchestrator as a typed error", testActivityFailureReachesTheOrchestratorAsATypedError},
		{"retry policy retries until the activity succeeds", testRetryPolicyRetriesUntilTheActivitySucceeds},
		{"sub-orchestration returns its output to the parent", testSubOrchestrationReturnsItsOutputToTheParent},
		{"continue-as-new counts to the target", testContinueAsNewCountsToTheTarget},
		{"terminate ends a running instance with the reason", testTerminateEndsARunningInstanceWithTheReason},
		{"suspended instance keeps events until resumed", testSuspendedInstanceKeepsEventsUntilResumed},
		{"rewind reruns only the failed activity", testRewindRerunsOnlyTheFailedActivity},
		{"restart runs a finished instance again", testRestartRunsAFinishedInstanceAgain},
		{"purge deletes a finished instance", testPurgeDeletesAFinishedInstance},
		{"starting an active id again is refused", testStartingAnActiveIDAgainIsRefused},
		{"panicking orchestrator fails only its instance", testPanickingOrchestratorFailsOnlyItsInstance},
		{"graceful stop finishes the activity in flight", testGracefulStopFinishesTheActivityInFlight},
		{"retention purges finished instances past their age", testRetentionPurgesFinishedInstancesPastTheirAge},
		{"signals to an entity are applied one at a time", testSignalsToAnEntityAreAppliedOneAtATime},
		{"orchestration calls an entity and gets its result", testOrchestrationCallsAnEntityAndGetsItsResult},
		{"failed operation rolls back and reaches the caller", testFailedOperationRollsBackAndReachesTheCaller},
		{"transfers under locks conserve money", testTransfersUnderLocksConserveMoney},
		{"locking rules are enforced", testLockingRulesAreEnforced},
		{"lock is released when the holder is terminated", testLockIsReleasedWhenTheHolderIsTerminated},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, s) })
	}
}

// client starts a runtime for reg over a fresh store and stops it when the
// test ends.
func (s *suite) client(t *testing.T, reg *durable.Registry) *durable.Client {
	t.Helper()
	rt := durable.NewRuntime(reg, s.newStore(t), s.opts...)
	rt.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rt.Close(ctx); err != nil {
			t.Errorf("close runtime: %v", err)
		}
	})
	return rt.Client()
}
