package durable

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/engine"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/replay"
	"github.com/godurable/durablefunctions/internal/store"
)

// VersionMatchStrategy says which orchestration versions a worker runs, as
// host.json's extensions.durableTask.versionMatchStrategy does.
type VersionMatchStrategy = engine.MatchStrategy

// The match strategies.
const (
	// VersionMatchCurrentOrOlder (the default) runs instances whose version
	// is the worker's or older: a new deployment finishes what an old one
	// started, and an old worker never runs a newer instance.
	VersionMatchCurrentOrOlder = engine.MatchCurrentOrOlder
	// VersionMatchNone runs every instance whatever its version.
	VersionMatchNone = engine.MatchNone
	// VersionMatchStrict runs instances of exactly the worker's version.
	VersionMatchStrict = engine.MatchStrict
)

// VersionFailureStrategy says what a worker does with an instance whose
// version it may not run (host.json versionFailureStrategy).
type VersionFailureStrategy = engine.FailureStrategy

// The failure strategies.
const (
	// VersionFailureReject (the default) leaves the work queued for a
	// worker that may run it; the instance waits.
	VersionFailureReject = engine.RejectMismatch
	// VersionFailureFail fails the instance with a failure of type
	// [VersionMismatchErrorType] whose message names both versions.
	VersionFailureFail = engine.FailMismatch
)

// VersionMismatchErrorType is FailureDetails.ErrorType of an instance failed
// by VersionFailureFail.
const VersionMismatchErrorType = engine.VersionMismatchErrorType

// Versioning configures orchestration versioning for [WithVersioning].
type Versioning struct {
	// DefaultVersion is this worker's version: new orchestrations (and
	// sub-orchestrations) started without [WithVersion] get it, and the
	// match strategy compares instances' versions with it.
	DefaultVersion  string
	MatchStrategy   VersionMatchStrategy
	FailureStrategy VersionFailureStrategy
	// RejectDelay is how long a rejected instance's messages stay
	// invisible before any worker sees them again; zero means one second.
	RejectDelay time.Duration
}

// WithVersioning turns orchestration versioning on: the runtime stamps
// v.DefaultVersion on instances its client and orchestrations start, and
// takes work only for instances whose version v.MatchStrategy accepts.
func WithVersioning(v Versioning) RuntimeOption {
	return func(o *runtimeOptions) {
		o.engine.Versioning = engine.Versioning{Enabled: true, Version: v.DefaultVersion,
			Match: v.MatchStrategy, Failure: v.FailureStrategy, RejectDelay: v.RejectDelay}
	}
}

// CompareVersions compares two orchestration versions as Durable Functions
// does and returns -1, 0 or 1: two empty versions are equal, an empty one is
// older than any other, two versions of 2 to 4 dot-separated numbers (as
// .NET's System.Version parses them: "1.10" > "1.9", "1.0" < "1.0.0")
// compare numerically, and anything else compares as case-insensitive
// strings ("v2" equals "V2"; a single number such as "10" is a string, so
// "10" < "9").
func CompareVersions(a, b string) int { return replay.CompareVersions(a, b) }

// ParseVersionMatchStrategy parses None, Strict or CurrentOrOlder
// (case-insensitive).
func ParseVersionMatchStrategy(s string) (VersionMatchStrategy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none":
		return VersionMatchNone, nil
	case "strict":
		return VersionMatchStrict, nil
	case "currentorolder", "":
		return VersionMatchCurrentOrOlder, nil
	}
	return 0, fmt.Errorf("durable: version match strategy %q is not None, Strict or CurrentOrOlder", s)
}

// ParseVersionFailureStrategy parses Reject or Fail (case-insensitive).
func ParseVersionFailureStrategy(s string) (VersionFailureStrategy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "reject", "":
		return VersionFailureReject, nil
	case "fail":
		return VersionFailureFail, nil
	}
	return 0, fmt.Errorf("durable: version failure strategy %q is not Reject or Fail", s)
}

// VersionOption starts an orchestration (Client.StartNew) or a
// sub-orchestration (CallSubOrchestrator) with a version of its own instead
// of the default version.
type VersionOption string

// WithVersion starts the instance with version v.
func WithVersion(v string) VersionOption { return VersionOption(v) }

func (v VersionOption) applyCall(o *callOptions)   { o.version = string(v) }
func (v VersionOption) applyStart(o *startOptions) { o.version = string(v) }

// Version returns the version the instance was started with ("" when it
// has none). Code that changes how an orchestrator proceeds can branch on
// it, so that instances started before the change replay as they ran.
func (ctx *OrchestrationContext) Version() string { return ctx.c.Version() }

// fullStatus is inst's status with its version, read from the
// ExecutionStarted event: the store's instance row has no version column.
// withHistory keeps the history it read.
func (c *Client) fullStatus(ctx context.Context, inst *store.Instance, withHistory bool) (*Status, error) {
	st := statusFrom(inst)
	// The version lives in the history's ExecutionStarted event, not on the
	// row: read the history only when it is asked for or versioning is on,
	// so that a status read stays one row read whatever the history's size.
	if !withHistory && (c.version == "" || store.KindOf(inst.InstanceID) == store.Entities) {
		return st, nil
	}
	h, inst, err := c.historyWith(ctx, inst, withHistory)
	st = statusFrom(inst)
	switch {
	case err != nil && withHistory && !errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("durable: instance %q: read history: %w", inst.InstanceID, err)
	case err != nil:
		return st, nil // the version is a nicety; the status stands without it
	}
	if s := firstStarted(h); s != nil {
		st.Version = s.Version
	}
	if withHistory {
		st.History = h
	}
	return st, nil
}

// historyWith reads inst's history. Asked for the history itself, it
// then reads the row again, and reads both again when a commit landed in
// between, so that the status and the history shown together are of one
// moment (the store reads them apart: a rewind committed in between would
// show the failure it undid beside the history that undoes it). A few
// tries bound it on an instance that commits without pause; the last
// pair is then at most one commit apart.
func (c *Client) historyWith(ctx context.Context, inst *store.Instance, withHistory bool) ([]*history.Event, *store.Instance, error) {
	for try := 0; ; try++ {
		h, err := c.be.GetHistory(ctx, inst.InstanceID)
		if err != nil || !withHistory || try == 3 {
			return h, inst, err
		}
		now, err := c.be.GetInstance(ctx, inst.InstanceID)
		if err != nil || sameCommit(now, inst) {
			return h, inst, nil
		}
		inst = now
	}
}

// sameCommit reports whether two reads of a row saw the same commit.
func sameCommit(a, b *store.Instance) bool {
	return a.ExecutionID == b.ExecutionID && a.Status == b.Status && a.LastUpdatedAt.Equal(b.LastUpdatedAt)
}
