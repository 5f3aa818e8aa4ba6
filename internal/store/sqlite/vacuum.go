package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Purged space goes back to the file system: databases run with
// auto_vacuum=INCREMENTAL, and after a purge reclaim releases the free
// pages in steps, each its own writer request.
//
// auto_vacuum can only change on a database that has no tables yet, or
// through a VACUUM that rewrites the whole file. So a new database gets it
// at once, and an existing one whose file is at most defaultConvertLimit is
// rewritten once at Open (a few seconds at most). A larger existing file
// is left as it is rather than stall Open for minutes: its free pages are
// reused by later writes, and `VACUUM` run offline after
// `PRAGMA auto_vacuum = INCREMENTAL` converts it.
const (
	defaultConvertLimit = 256 << 20
	// vacuumTarget is how long one reclaim step may hold the writer.
	vacuumTarget    = 5 * time.Millisecond
	firstVacuumStep = 128 // pages
	maxVacuumStep   = 8192
)

const autoVacuumIncremental = 2

// prepareVacuum turns incremental auto-vacuum on where that is cheap, and
// reports whether it is on.
func prepareVacuum(ctx context.Context, db *sql.DB, convertLimit int64) (bool, error) {
	var mode, pages, pageSize int64
	if err := db.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return false, fmt.Errorf("read auto_vacuum: %w", err)
	}
	if mode == autoVacuumIncremental {
		return true, nil
	}
	if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return false, fmt.Errorf("read page_count: %w", err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return false, fmt.Errorf("read page_size: %w", err)
	}
	if pages*pageSize > convertLimit {
		return false, nil
	}
	if _, err := db.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return false, fmt.Errorf("set auto_vacuum: %w", err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM`); err != nil {
		return false, fmt.Errorf("vacuum to enable auto_vacuum: %w", err)
	}
	return true, nil
}

// reclaimFloor is the free space (in pages) below which reclaim leaves
// the free pages for later writes: a single purge frees a few pages, not
// worth a writer request.
const reclaimFloor = 256

// reclaim gives the database's free pages back to the file system, a
// bounded step per writer request, until the pages free when it started
// are released (other requests free pages meanwhile; it does not chase
// them). It is best effort: pages it leaves are reused by later writes
// and released by the next purge, so its failure is not the purge's.
func (s *Store) reclaim(ctx context.Context) {
	if !s.incremental {
		return
	}
	var free int64
	if err := s.rdb.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		return
	}
	step := int64(firstVacuumStep)
	for left := free; left > reclaimFloor; {
		freed, took, err := s.vacuumStep(ctx, min(step, left))
		if err != nil || freed <= 0 {
			return
		}
		left -= freed
		next := int64(float64(step) * float64(vacuumTarget) / float64(max(took, time.Millisecond)))
		step = min(max(next, 64), step*3/2, maxVacuumStep)
	}
}

// vacuumStep releases up to pages free pages in one writer request and
// returns how many it released and how long the request took.
func (s *Store) vacuumStep(ctx context.Context, pages int64) (int64, time.Duration, error) {
	var freed int64
	o := &op{bulk: true, done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		var before, after int64
		if err := b.tx.QueryRow(`PRAGMA freelist_count`).Scan(&before); err != nil {
			return nil, nil, err
		}
		if _, err := b.tx.Exec(fmt.Sprintf(`PRAGMA incremental_vacuum(%d)`, pages)); err != nil {
			return nil, nil, err
		}
		if err := b.tx.QueryRow(`PRAGMA freelist_count`).Scan(&after); err != nil {
			return nil, nil, err
		}
		freed = before - after
		return nil, nil, nil
	}}
	took, err := s.submitBulk(ctx, o)
	return freed, took, err
}
