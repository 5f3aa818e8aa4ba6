package sqlite

import (
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// purgeStream is one index range a purge by filter reads its candidates
// from, a batch at a time, resuming after the last candidate (rows a batch
// skipped stay in the range, so restarting from its start could read them
// again and again).
type purgeStream struct {
	// status selects the status index's range of one status; nil reads
	// the finished index (every finished instance, by completion time).
	status  *history.RuntimeStatus
	started bool
	key     int64 // created_at (status index) or completed_at of the last candidate
	id      string
}

// purgeStreams returns the ranges that hold every instance f selects: the
// finished index when only a completion bound is given (the retention
// purge), else each status's range of the status index, bounded by the
// created-time window.
func purgeStreams(f *store.PurgeFilter, statuses []history.RuntimeStatus) []*purgeStream {
	if !f.CompletedTo.IsZero() && f.CreatedFrom.IsZero() && f.CreatedTo.IsZero() {
		return []*purgeStream{{}}
	}
	out := make([]*purgeStream, len(statuses))
	for i := range statuses {
		out[i] = &purgeStream{status: &statuses[i]}
	}
	return out
}

// statement returns the statement reading the stream's next limit
// candidates: id, status, created_at and the stream's order key.
func (p *purgeStream) statement(f *store.PurgeFilter, statuses []history.RuntimeStatus, limit int) selectSQL {
	var w where
	var text string
	if p.status == nil {
		w.add("completed_at <> 0")
		w.add("completed_at < ?", toNanos(f.CompletedTo))
		if p.started {
			w.add("(completed_at, id) > (?, ?)", p.key, p.id)
		}
		w.residualStatuses(statuses)
		w.residualKind(f.Kind)
		text = "SELECT id, status, created_at, completed_at FROM instances INDEXED BY " + finishedIndex + w.String() +
			" ORDER BY completed_at, id LIMIT ?"
		return selectSQL{text: text, args: append(w.args, limit), index: finishedIndex}
	}
	w.add("status = ?", int(*p.status))
	createdRange(&w, f.CreatedFrom, f.CreatedTo, storekit.Cursor{CreatedAt: fromNanos(p.key), InstanceID: p.id}, p.started)
	if !f.CompletedTo.IsZero() {
		w.add("+completed_at <> 0 AND +completed_at < ?", toNanos(f.CompletedTo))
	}
	w.residualKind(f.Kind)
	text = "SELECT id, status, created_at, created_at FROM instances INDEXED BY " + statusIndex + w.String() +
		" ORDER BY created_at, id LIMIT ?"
	return selectSQL{text: text, args: append(w.args, limit), index: statusIndex}
}

// candidate is an instance a purge batch deletes if it is still as read.
type candidate struct {
	id      string
	status  int
	created int64
}
