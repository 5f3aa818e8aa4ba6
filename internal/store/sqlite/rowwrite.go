package sqlite

import (
	"database/sql"

	"github.com/godurable/durablefunctions/internal/store"
)

// writeRow writes an instance row in b's transaction with as few page
// writes as it can. INSERT OR REPLACE deletes the old row and inserts a
// new one under a new rowid, so it dirties the table page, the primary
// key index and every secondary index, at every commit. SQLite updates
// the indexes whose columns an UPDATE sets, whether or not their values
// change, so there are three forms, from narrow to wide: one that sets
// no indexed column (status, created_at and completed_at stay) dirties
// the table page alone; one that leaves created_at out spares its index;
// the full one sets everything.
//
// prev is the row as the work item loaded it (nil: none). The first form
// tried is the narrowest prev allows; each form's WHERE clause checks
// that the columns it leaves out are as stored, and when it matches no
// row the next, wider form runs, down to the insert. So a row changed
// behind the cache is never half-updated: the result is always the row
// args describe.
func (b *batch) writeRow(args rowArgs, prev *store.Instance) error {
	if prev == nil {
		return b.exec(b.s.w.upsertRow, args[:]...)
	}
	id, status, created, completed := args[0], args[3], args[8], args[10]
	forms := []func() (bool, error){
		func() (bool, error) {
			return b.update(b.s.w.updRowBody, args[1], args[2], args[4], args[5], args[6], args[7],
				args[9], args[11], args[12], args[13], id, status, created, completed)
		},
		func() (bool, error) {
			return b.update(b.s.w.updRowStatus, args[1], args[2], status, args[4], args[5], args[6], args[7],
				args[9], completed, args[11], args[12], args[13], id, created)
		},
		func() (bool, error) { return b.update(b.s.w.updRowFull, append(args[1:], id)...) },
	}
	switch {
	case toNanos(prev.CreatedAt) != created:
		forms = forms[2:]
	case int(prev.Status) != status || toNanos(prev.CompletedAt) != completed:
		forms = forms[1:]
	}
	for _, form := range forms {
		if done, err := form(); done || err != nil {
			return err
		}
	}
	return b.exec(b.s.w.upsertRow, args[:]...)
}

// update runs an UPDATE and reports whether it changed a row.
func (b *batch) update(st *sql.Stmt, args ...any) (bool, error) {
	res, err := b.stmt(st).Exec(args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
