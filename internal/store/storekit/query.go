package storekit

import (
	"slices"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// DefaultPageSize is the page size of a query that sets none.
const DefaultPageSize = 100

// MaxPageSize caps the page size a query may ask for.
const MaxPageSize = 1000

// PageSize returns the page size to use for q.
func PageSize(q *store.Query) int {
	switch {
	case q.PageSize <= 0:
		return DefaultPageSize
	case q.PageSize > MaxPageSize:
		return MaxPageSize
	}
	return q.PageSize
}

// KindMatches reports whether an instance id is of the kind asked for.
func KindMatches(k store.InstanceKind, instanceID string) bool {
	switch k {
	case store.OnlyOrchestrations:
		return store.KindOf(instanceID) == store.Orchestrations
	case store.OnlyEntities:
		return store.KindOf(instanceID) == store.Entities
	}
	return true
}

// QueryMatches reports whether inst passes q's filters (not its token).
func QueryMatches(q *store.Query, inst *store.Instance) bool {
	if !KindMatches(q.Kind, inst.InstanceID) {
		return false
	}
	if !q.CreatedFrom.IsZero() && inst.CreatedAt.Before(q.CreatedFrom) {
		return false
	}
	if !q.CreatedTo.IsZero() && inst.CreatedAt.After(q.CreatedTo) {
		return false
	}
	if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, inst.Status) {
		return false
	}
	return strings.HasPrefix(inst.InstanceID, q.InstanceIDPrefix)
}

// PurgeStatuses returns the statuses a purge filter selects: its terminal
// statuses, or all four when it names none.
func PurgeStatuses(f *store.PurgeFilter) []history.RuntimeStatus {
	var out []history.RuntimeStatus
	for _, s := range f.Statuses {
		if s.IsTerminal() && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []history.RuntimeStatus{history.StatusCompleted, history.StatusFailed, history.StatusTerminated, history.StatusCanceled}
	}
	return out
}

// FinishedAt is when a finished instance finished: CompletedAt, or its
// last update when the row has no completion time.
func FinishedAt(inst *store.Instance) time.Time {
	if !inst.CompletedAt.IsZero() {
		return inst.CompletedAt
	}
	return inst.LastUpdatedAt
}

// PurgeMatches reports whether inst is a finished instance f selects;
// statuses must come from PurgeStatuses(f).
func PurgeMatches(f *store.PurgeFilter, statuses []history.RuntimeStatus, inst *store.Instance) bool {
	if !slices.Contains(statuses, inst.Status) || !KindMatches(f.Kind, inst.InstanceID) {
		return false
	}
	if !f.CreatedFrom.IsZero() && inst.CreatedAt.Before(f.CreatedFrom) {
		return false
	}
	if !f.CreatedTo.IsZero() && inst.CreatedAt.After(f.CreatedTo) {
		return false
	}
	if !f.CompletedTo.IsZero() && !FinishedAt(inst).Before(f.CompletedTo) {
		return false
	}
	if len(f.InstanceIDs) > 0 && !slices.Contains(f.InstanceIDs, inst.InstanceID) {
		return false
	}
	return true
}

// KeyOrdered reports whether q lists in instance-id order: a query with an
// id prefix, or for entities only, is answered from a key range, which
// serves id order at the same cost wherever the page lies. Other queries
// list in (CreatedAt, id) order.
func KeyOrdered(q *store.Query) bool {
	return q.InstanceIDPrefix != "" || q.Kind == store.OnlyEntities
}

// IDRange returns the instance-id range [lo, hi) a key-ordered query
// covers (hi "" is unbounded), and false when no id can match.
// UTF-8 never holds the byte 0xFF, so prefix+"\xff" bounds every id that
// starts with prefix.
func IDRange(q *store.Query) (lo, hi string, ok bool) {
	lo = q.InstanceIDPrefix
	if lo != "" {
		hi = lo + "\xff"
	}
	switch q.Kind {
	case store.OnlyEntities:
		lo, hi = max(lo, "@"), minBound(hi, "A")
	case store.OnlyOrchestrations:
		if strings.HasPrefix(lo, "@") {
			return "", "", false
		}
	}
	return lo, hi, hi == "" || lo < hi
}

// minBound is the lower of two exclusive upper bounds, "" meaning none.
func minBound(a, b string) string {
	if a == "" {
		return b
	}
	return min(a, b)
}

// Compare returns the order q's pages are in.
func Compare(q *store.Query) func(a, b *store.Instance) int {
	if KeyOrdered(q) {
		return CompareIDs
	}
	return CompareInstances
}

// CompareInstances orders instances by creation time, then id.
func CompareInstances(a, b *store.Instance) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.InstanceID, b.InstanceID)
}

// CompareIDs orders instances by id (bytewise, as SQLite's BINARY
// collation does).
func CompareIDs(a, b *store.Instance) int { return strings.Compare(a.InstanceID, b.InstanceID) }
