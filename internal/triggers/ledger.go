package triggers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// MarkerOrchestrator names the orchestration of occurrence markers. It
// does nothing; the app registers it so that markers complete, and so can
// be purged, like any finished instance.
const MarkerOrchestrator = "DurableFunctions.TimerOccurrence"

// MarkerPrefix starts the instance id of every occurrence marker.
const MarkerPrefix = "timer:"

// keepMarkers is how many of a timer's newest markers pruning keeps: the
// latest holds the schedule status; the others make sure a process that
// slept through an occurrence finds it claimed rather than purged.
const keepMarkers = 3

// keyLayout makes marker ids sort by occurrence and read as times.
const keyLayout = "2006-01-02T15:04:05.000Z"

// Status is a timer's schedule status, as the host's schedule monitor
// keeps it: the last invocation, the next occurrence, and when the status
// was computed.
type Status struct {
	Last        time.Time
	Next        time.Time
	LastUpdated time.Time
}

// Ledger records which occurrences of each timer have been claimed, in
// the task hub, so that processes sharing a store fire each occurrence
// once. A claim is an instance with a deterministic id,
// timer:<function>:<occurrence>, created with a dedupe rule that refuses
// any existing instance: the store lets exactly one creator win. Its input
// is the status that follows the occurrence, so the newest marker is the
// schedule's status. The zero occurrence marks a timer's first status.
type Ledger struct {
	Store store.Store
	Clock store.Clock
}

// everyStatus refuses a claim whatever state an earlier marker is in.
var everyStatus = []history.RuntimeStatus{
	history.StatusPending, history.StatusRunning, history.StatusSuspended, history.StatusContinuedAsNew,
	history.StatusCompleted, history.StatusFailed, history.StatusTerminated, history.StatusCanceled,
}

// MarkerID is the instance id claiming occurrence at of function fn.
func MarkerID(fn string, at time.Time) string {
	return MarkerPrefix + fn + ":" + at.UTC().Format(keyLayout)
}

// Claim records occurrence at with the status that follows it, and
// reports whether this call won it.
func (l *Ledger) Claim(ctx context.Context, fn string, at time.Time, next Status) (bool, error) {
	input, err := json.Marshal(next)
	if err != nil {
		return false, fmt.Errorf("timer %s: encode the status: %w", fn, err)
	}
	id, execID := MarkerID(fn, at), newID()
	start := history.NewExecutionStarted(l.Clock.Now(), MarkerOrchestrator, id, execID, string(input), nil, nil)
	err = l.Store.CreateInstance(ctx, start, store.CreateOptions{DedupeStatuses: everyStatus})
	switch {
	case errors.Is(err, store.ErrInstanceExists):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("timer %s: claim occurrence %s: %w", fn, at.UTC().Format(keyLayout), err)
	}
	return l.owns(ctx, id, execID)
}

// owns reports whether the marker's row is the one this claim wrote. A
// store may accept two racing creations when a worker consumed and dropped
// the loser's start message before the loser looked (Azure Storage does);
// the row keeps the winner's execution id either way.
func (l *Ledger) owns(ctx context.Context, id, execID string) (bool, error) {
	inst, err := l.Store.GetInstance(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("timer: check the claim of %s: %w", id, err)
	}
	return inst.ExecutionID == execID, nil
}

// marker is one claimed occurrence.
type marker struct {
	id       string
	at       time.Time
	status   Status
	finished bool
}

// Latest returns the status recorded with the newest claim, or nil when
// the timer has none yet.
func (l *Ledger) Latest(ctx context.Context, fn string) (*Status, error) {
	ms, err := l.markers(ctx, fn)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	st := ms[len(ms)-1].status
	return &st, nil
}

// Prune purges the finished markers of fn but the newest keepMarkers.
func (l *Ledger) Prune(ctx context.Context, fn string) error {
	ms, err := l.markers(ctx, fn)
	if err != nil || len(ms) <= keepMarkers {
		return err
	}
	var ids []string
	for _, m := range ms[:len(ms)-keepMarkers] {
		if m.finished {
			ids = append(ids, m.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := l.Store.PurgeInstances(ctx, &store.PurgeFilter{InstanceIDs: ids}); err != nil {
		return fmt.Errorf("timer %s: purge old markers: %w", fn, err)
	}
	return nil
}

// markers lists fn's markers, oldest occurrence first.
func (l *Ledger) markers(ctx context.Context, fn string) ([]marker, error) {
	prefix := MarkerPrefix + fn + ":"
	q := &store.Query{InstanceIDPrefix: prefix, WithPayloads: true, PageSize: 100}
	var out []marker
	for {
		page, err := l.Store.ListInstances(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("timer %s: read the schedule status: %w", fn, err)
		}
		for _, inst := range page.Instances {
			if m, ok := decodeMarker(prefix, inst); ok {
				out = append(out, m)
			}
		}
		if page.ContinuationToken == "" {
			break
		}
		q.ContinuationToken = page.ContinuationToken
	}
	sort.Slice(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out, nil
}

func decodeMarker(prefix string, inst *store.Instance) (marker, bool) {
	key, ok := strings.CutPrefix(inst.InstanceID, prefix)
	if !ok {
		return marker{}, false
	}
	at, err := time.Parse(keyLayout, key)
	if err != nil {
		return marker{}, false // another function whose name starts like fn's and has a ':'
	}
	m := marker{id: inst.InstanceID, at: at, finished: inst.Status.IsTerminal()}
	if json.Unmarshal([]byte(inst.Input), &m.status) != nil {
		return marker{}, false
	}
	return m, true
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
