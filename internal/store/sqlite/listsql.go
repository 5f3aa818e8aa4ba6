package sqlite

import (
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// The management queries are built here, apart from running them, so that
// a test can check every one of them with EXPLAIN QUERY PLAN. Each names
// the index it must be answered from (INDEXED BY makes SQLite refuse the
// statement rather than fall back to a scan), and each reads a bounded
// range of that index in its order with a LIMIT: its cost does not depend
// on how many instances the hub holds or where the page lies. Conditions
// the index cannot serve are written with a unary + so that the planner
// checks them row by row instead of choosing another index and sorting.

const (
	pkIndex       = "sqlite_autoindex_instances_1" // the id primary key
	createdIndex  = "instances_created"            // (created_at, id)
	statusIndex   = "instances_status"             // (status, created_at, id)
	finishedIndex = "instances_finished"           // (completed_at, id) of finished rows
)

// selectSQL is one statement of a management query.
type selectSQL struct {
	text  string
	args  []any
	index string // the index its plan uses
}

// where collects the conditions of a statement and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// residualKind restricts rows to a kind of instance, checked row by row.
func (w *where) residualKind(k store.InstanceKind) {
	switch k {
	case store.OnlyOrchestrations:
		w.add("(+id < '@' OR +id >= 'A')")
	case store.OnlyEntities:
		w.add("+id >= '@' AND +id < 'A'")
	}
}

// residualStatuses restricts rows to statuses, checked row by row.
func (w *where) residualStatuses(statuses []history.RuntimeStatus) {
	ph := make([]string, len(statuses))
	for i, st := range statuses {
		ph[i] = "?"
		w.args = append(w.args, int(st))
	}
	w.conds = append(w.conds, "+status IN ("+strings.Join(ph, ",")+")")
}

// listColumns are the columns a page reads (payloads blanked unless
// asked for).
func listColumns(payloads bool) string {
	if payloads {
		return instanceColumns
	}
	return strings.NewReplacer("input,", "'',", "output,", "'',", "custom_status,", "'',").Replace(instanceColumns)
}

// distinctStatuses returns statuses without repeats, in their given order.
func distinctStatuses(statuses []history.RuntimeStatus) []history.RuntimeStatus {
	var out []history.RuntimeStatus
	for _, st := range statuses {
		if !containsStatus(out, st) {
			out = append(out, st)
		}
	}
	return out
}

func containsStatus(list []history.RuntimeStatus, st history.RuntimeStatus) bool {
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}

// listStatements returns the statements that answer one page of q after
// cur (when resume), each reading at most limit rows: one statement, or
// one per status whose results are merged. None when nothing can match.
func listStatements(q *store.Query, cur storekit.Cursor, resume bool, limit int) []selectSQL {
	if storekit.KeyOrdered(q) {
		st, ok := keyListStatement(q, cur, resume, limit)
		if !ok {
			return nil
		}
		return []selectSQL{st}
	}
	statuses := distinctStatuses(q.Statuses)
	if len(statuses) == 0 {
		return []selectSQL{createdListStatement(q, nil, cur, resume, limit)}
	}
	out := make([]selectSQL, len(statuses))
	for i := range statuses {
		out[i] = createdListStatement(q, &statuses[i], cur, resume, limit)
	}
	return out
}

// keyListStatement reads a page of a key-ordered query from the id range
// the query covers.
func keyListStatement(q *store.Query, cur storekit.Cursor, resume bool, limit int) (selectSQL, bool) {
	lo, hi, ok := storekit.IDRange(q)
	if !ok {
		return selectSQL{}, false
	}
	var w where
	if resume && cur.InstanceID >= lo {
		w.add("id > ?", cur.InstanceID)
	} else {
		w.add("id >= ?", lo)
	}
	if hi != "" {
		w.add("id < ?", hi)
	}
	if len(q.Statuses) > 0 {
		w.residualStatuses(q.Statuses)
	}
	if !q.CreatedFrom.IsZero() {
		w.add("+created_at >= ?", toNanos(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		w.add("+created_at <= ?", toNanos(q.CreatedTo))
	}
	text := "SELECT " + listColumns(q.WithPayloads) + " FROM instances INDEXED BY " + pkIndex + w.String() + " ORDER BY id LIMIT ?"
	return selectSQL{text: text, args: append(w.args, limit), index: pkIndex}, true
}

// createdListStatement reads a page in (created_at, id) order, of one
// status when status is not nil.
func createdListStatement(q *store.Query, status *history.RuntimeStatus, cur storekit.Cursor, resume bool, limit int) selectSQL {
	var w where
	index := createdIndex
	if status != nil {
		index = statusIndex
		w.add("status = ?", int(*status))
	}
	createdRange(&w, q.CreatedFrom, q.CreatedTo, cur, resume)
	w.residualKind(q.Kind)
	text := "SELECT " + listColumns(q.WithPayloads) + " FROM instances INDEXED BY " + index + w.String() + " ORDER BY created_at, id LIMIT ?"
	return selectSQL{text: text, args: append(w.args, limit), index: index}
}

// createdRange bounds created_at to [from, to], resuming after cur: a
// row-value comparison is one range of the index, where "created_at > ?
// OR (created_at = ? AND id > ?)" is not.
func createdRange(w *where, from, to time.Time, cur storekit.Cursor, resume bool) {
	switch {
	case resume && !cur.CreatedAt.Before(from):
		w.add("(created_at, id) > (?, ?)", toNanos(cur.CreatedAt), cur.InstanceID)
	case !from.IsZero():
		w.add("created_at >= ?", toNanos(from))
	}
	if !to.IsZero() {
		w.add("created_at <= ?", toNanos(to))
	}
}
