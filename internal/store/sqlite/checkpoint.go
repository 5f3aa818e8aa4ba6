package sqlite

import (
	"context"
	"database/sql"
	"os"
	"time"
)

// The checkpointer copies the WAL into the database file every
// checkpointInterval, or every walPoll while the WAL is filling fast, on
// its own connection so that its fsyncs never stall the writer (whose
// connection has automatic checkpoints turned off).
const (
	checkpointInterval = 500 * time.Millisecond
	walPoll            = 50 * time.Millisecond
)

// defaultWALLimit bounds the WAL. The WAL restarts from its beginning only
// when a write transaction begins with every frame copied to the
// database. A checkpoint running beside a steady stream of writes never
// sees that: frames arrive while it copies, so the WAL never restarts and
// grows without end (12.6 GB while 500k instances were written). So when
// the WAL holds more than the limit, bulk requests (purge batches, vacuum
// steps) pause and the checkpointer copies again, pass after pass: each
// pass copies what arrived during the previous one, and once a pass ends
// while no transaction is open, the next transaction restarts the WAL.
// Only if the writer never pauses does it run the last PASSIVE checkpoint
// itself, between two transactions, holding the writer for one copy and
// its fsyncs. A PASSIVE checkpoint never waits for readers.
//
// The file keeps its largest size and is overwritten from the start:
// truncating it (journal_size_limit, a TRUNCATE checkpoint) costs about
// 0.5 ms per MiB on a virtual disk, in the writer's transaction.
const defaultWALLimit = 64 << 20

// catchUpPasses bounds the passes that wait for the WAL to restart, and
// catchUpPause is the gap between them that lets a transaction begin.
const (
	catchUpPasses = 20
	catchUpPause  = 5 * time.Millisecond
)

func (s *Store) checkpointer(db *sql.DB) {
	defer close(s.checkpointDone)
	t := time.NewTicker(walPoll)
	defer t.Stop()
	last, interval := time.Now(), checkpointInterval
	var file int64 // the WAL file's size at the last look
	for {
		select {
		case <-s.q.Done():
			_, _ = db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
			_ = db.Close()
			return
		case now := <-t.C:
			// The file grows only when the WAL outgrows it: past the
			// limit, that is worth a checkpoint at once.
			grew := false
			if size := s.walSize(); size != file {
				grew, file = size > file && size > s.walLimit, size
			}
			if now.Sub(last) < interval && !grew {
				continue
			}
			if grew {
				s.walPressure.Store(true) // hold bulk requests while we copy
			}
			interval = checkpointInterval
			if s.checkpoint(db) > s.walLimit/4 {
				interval = walPoll
			}
			last = time.Now()
		}
	}
}

func (s *Store) walSize() int64 {
	fi, err := os.Stat(s.path + "-wal")
	if err != nil {
		return 0
	}
	return fi.Size()
}

// passive runs a PASSIVE checkpoint and returns the WAL's size in bytes
// when it started.
func (s *Store) passive(db *sql.DB) int64 {
	var busy, frames, copied int64
	if err := db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
		return 0
	}
	return frames * (s.pageSize + 24)
}

// checkpoint runs one PASSIVE checkpoint and, when the WAL holds more than
// its limit, copies until it restarts (or asks the writer to finish the
// job). It returns the WAL's size.
func (s *Store) checkpoint(db *sql.DB) int64 {
	size := s.passive(db)
	if size <= s.walLimit {
		s.walPressure.Store(false)
		return size
	}
	s.walPressure.Store(true)
	for range catchUpPasses {
		time.Sleep(catchUpPause)
		if s.passive(db) <= s.walLimit/8 { // restarted
			s.walPressure.Store(false)
			return size
		}
	}
	s.walFull.Store(true)
	select {
	case s.walKick <- struct{}{}:
	default:
	}
	return size
}

// restartWAL is the writer's part: between two of its transactions, a
// PASSIVE checkpoint of what the checkpointer left, so that the next
// transaction restarts the WAL; then bulk requests may go on.
func (s *Store) restartWAL() {
	if s.walFull.CompareAndSwap(true, false) {
		_, _ = s.wdb.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		s.walPressure.Store(false)
	}
}

// maxYield bounds how long a bulk request waits for the checkpointer.
const maxYield = 2 * time.Second

// yieldToCheckpoint waits, before a bulk request, while the checkpointer
// catches up with a WAL past walLimit.
func (s *Store) yieldToCheckpoint(ctx context.Context) {
	for deadline := time.Now().Add(maxYield); s.walPressure.Load() && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}
