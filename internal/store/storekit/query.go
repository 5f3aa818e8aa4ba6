package storekit

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
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

// Cursor is the position a continuation token encodes: the last instance
// of the previous page, in (CreatedAt, InstanceID) order.
type Cursor struct {
	CreatedAt  time.Time
	InstanceID string
}

const tokenVersion = "1"

// EncodeToken returns the continuation token that resumes after c.
func EncodeToken(c Cursor) string {
	raw := tokenVersion + ":" + strconv.FormatInt(c.CreatedAt.UnixNano(), 10) + ":" + c.InstanceID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeToken parses a continuation token. The empty token is the start
// (ok false). A token this package did not make fails with
// store.ErrInvalidQuery.
func DecodeToken(token string) (c Cursor, ok bool, err error) {
	if token == "" {
		return Cursor{}, false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Cursor{}, false, fmt.Errorf("%w: malformed continuation token", store.ErrInvalidQuery)
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[0] != tokenVersion {
		return Cursor{}, false, fmt.Errorf("%w: malformed continuation token", store.ErrInvalidQuery)
	}
	ns, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return Cursor{}, false, fmt.Errorf("%w: malformed continuation token", store.ErrInvalidQuery)
	}
	return Cursor{CreatedAt: time.Unix(0, ns).UTC(), InstanceID: parts[2]}, true, nil
}

// After reports whether inst comes after cursor c in list order.
func (c Cursor) After(inst *store.Instance) bool {
	if !inst.CreatedAt.Equal(c.CreatedAt) {
		return inst.CreatedAt.After(c.CreatedAt)
	}
	return inst.InstanceID > c.InstanceID
}

// CompareInstances orders instances by creation time, then id.
func CompareInstances(a, b *store.Instance) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.InstanceID, b.InstanceID)
}
