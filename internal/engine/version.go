package engine

import (
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// MatchStrategy says which orchestration versions a worker runs
// (host.json versionMatchStrategy).
type MatchStrategy int

// The match strategies, as Durable Functions names them.
const (
	// MatchCurrentOrOlder runs instances whose version is at most the
	// worker's (the default).
	MatchCurrentOrOlder MatchStrategy = iota
	// MatchNone runs every instance whatever its version.
	MatchNone
	// MatchStrict runs instances of exactly the worker's version.
	MatchStrict
)

// FailureStrategy says what a worker does with an instance it may not run
// (host.json versionFailureStrategy).
type FailureStrategy int

// The failure strategies.
const (
	// RejectMismatch leaves the work for another worker (the default).
	RejectMismatch FailureStrategy = iota
	// FailMismatch fails the instance with a VersionMismatch failure.
	FailMismatch
)

// Versioning configures orchestration versioning. The zero value turns it
// off: no version is stamped and every instance runs.
type Versioning struct {
	// Enabled turns the check at dispatch on.
	Enabled bool
	// Version is the worker's version, stamped on new orchestrations
	// (host.json defaultVersion).
	Version string
	Match   MatchStrategy
	Failure FailureStrategy
	// RejectDelay is how long a rejected work item stays invisible before
	// it is delivered again (to any worker); zero means DefaultRejectDelay.
	RejectDelay time.Duration
}

// DefaultRejectDelay is short and fixed, not the exponential back-off of
// failures: a rejected instance is not broken, it waits for a worker of
// the right version, which should get it as soon as the store hands it on.
const DefaultRejectDelay = time.Second

// VersionMismatchErrorType is the failure type of an instance failed by
// versionFailureStrategy Fail, as in Durable Functions.
const VersionMismatchErrorType = "VersionMismatch"

// mismatch returns why this worker may not run an instance of version v,
// or nil when it may. The messages are durabletask-dotnet's.
func (v Versioning) mismatch(version string) *history.FailureDetails {
	if !v.Enabled {
		return nil
	}
	cmp := replay.CompareVersions(version, v.Version)
	var msg string
	switch {
	case v.Match == MatchStrict && cmp != 0:
		msg = fmt.Sprintf("The orchestration version '%s' does not match the worker version '%s'.", version, v.Version)
	case v.Match == MatchCurrentOrOlder && cmp > 0:
		msg = fmt.Sprintf("The orchestration version '%s' is greater than the worker version '%s'.", version, v.Version)
	default:
		return nil
	}
	return &history.FailureDetails{ErrorType: VersionMismatchErrorType, ErrorMessage: msg, IsNonRetriable: true}
}

func (v Versioning) rejectDelay() time.Duration {
	if v.RejectDelay > 0 {
		return v.RejectDelay
	}
	return DefaultRejectDelay
}

// workItemVersion is the version of the execution a work item would run:
// a start message's (a new or replacing execution) or else history's.
func workItemVersion(wi *store.OrchestrationWorkItem) string {
	for i := len(wi.Messages) - 1; i >= 0; i-- {
		if ev := wi.Messages[i].Event; ev != nil && ev.EventType == history.ExecutionStarted {
			return ev.Version
		}
	}
	if s := startedEvent(wi.History); s != nil {
		return s.Version
	}
	return ""
}

// checkVersion applies the match strategy before any code runs. Reject
// abandons the work item for another worker; Fail fails the instance. It
// returns the result processOrchestration should return and whether the
// check decided the work item.
func (ep *episode) checkVersion() (c *store.OrchestrationCommit, retry time.Duration, decided bool) {
	v := ep.e.opts.Versioning
	version := workItemVersion(ep.wi)
	f := v.mismatch(version)
	if f == nil {
		return nil, 0, false
	}
	if v.Failure == RejectMismatch {
		ep.e.log.Info("durable: leaving an instance of another version to another worker",
			"instanceId", ep.wi.InstanceID, "version", version, "workerVersion", v.Version)
		return nil, v.rejectDelay(), true
	}
	ep.e.log.Warn("durable: failing an instance of another version", "instanceId", ep.wi.InstanceID, "reason", f.ErrorMessage)
	ep.startIfRequested(ep.wi.Messages)
	if ep.inst == nil || ep.inst.Status.IsTerminal() {
		return &ep.out, 0, true
	}
	if !ep.opened {
		ep.appendNew(history.NewOrchestratorStarted(ep.now))
		ep.opened = true
	}
	ep.finish(history.StatusFailed, "", f)
	ep.appendNew(history.NewOrchestratorCompleted(ep.now))
	ep.inst.LastUpdatedAt = ep.now
	return ep.commit(), 0, true
}
