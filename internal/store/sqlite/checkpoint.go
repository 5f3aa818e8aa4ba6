package sqlite

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The checkpointer copies the WAL into the database file on its own
// connection, so that its writes and fsyncs never run inside the writer
// (whose connection has automatic checkpoints turned off): every
// checkpointInterval when only short requests write, every walPoll while
// bulk requests (purge batches, vacuum steps) run.
const (
	checkpointInterval = 500 * time.Millisecond
	walPoll            = 50 * time.Millisecond
)

// defaultWALLimit bounds the WAL file. The WAL restarts from its
// beginning only when a write transaction begins with every frame copied
// to the database. A checkpoint running beside a steady stream of writes
// never sees that: frames arrive while it copies, so the WAL never
// restarts and grows without end (12.6 GB while 500k instances were
// written). So once the WAL holds a quarter of the limit (restartAt),
// bulk requests pause and the checkpointer copies again, pass after pass:
// each pass copies what arrived during the previous one, and once a pass
// ends while no transaction is open, the next transaction restarts the
// WAL. Starting at a quarter leaves room for what is written while the
// passes run, so the file itself stays under the limit. Only if the
// writer never pauses does it run the last PASSIVE checkpoint itself,
// between two transactions, holding the writer for one copy and its
// fsyncs. A PASSIVE checkpoint never waits for readers.
//
// The file keeps its largest size and is overwritten from the start:
// truncating it (journal_size_limit, a TRUNCATE checkpoint) costs about
// 0.5 ms per MiB on a virtual disk, in the writer's transaction or, from
// the checkpointer, by holding the write lock that long. Restarting early
// keeps the largest size under the limit instead.
const defaultWALLimit = 64 << 20

// restartAt is the WAL content at which the checkpointer makes the WAL
// restart, and restarted what a pass may find there once it has.
func (s *Store) restartAt() int64 { return s.walLimit / 4 }
func (s *Store) restarted() int64 { return s.walLimit / 16 }

// catchUpPasses bounds the passes that wait for the WAL to restart, and
// catchUpPause is the gap between them that lets a transaction begin.
const (
	catchUpPasses = 20
	catchUpPause  = 5 * time.Millisecond
)

// walGate makes checkpoint passes and bulk requests take turns. A purge
// batch sized for a few milliseconds took 30–100 ms when a checkpoint's
// copy and fsyncs competed with it for the disk, and every start queued
// behind the batch waited that long. Short requests (starts, commits) are
// not gated: they write little and must never wait for a checkpoint.
type walGate struct {
	mu   sync.Mutex   // held by a checkpoint pass or a bulk request
	bulk atomic.Int64 // bulk requests run, so the checkpointer looks sooner
	// longest is the longest a bulk request took in the writer (ns), and
	// longestPass the longest checkpoint pass: the scale test reports
	// them beside the start waits.
	longest, longestPass atomic.Int64
}

func storeMax(v *atomic.Int64, d time.Duration) {
	for {
		old := v.Load()
		if int64(d) <= old || v.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// submitBulk runs a bulk request in its turn: after any checkpoint pass
// under way, and while the WAL is not being made to restart. It returns
// how long the writer took over it.
func (s *Store) submitBulk(ctx context.Context, o *op) (time.Duration, error) {
	s.yieldToCheckpoint(ctx)
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	start := time.Now()
	err := s.submit(ctx, o)
	took := time.Since(start)
	s.gate.bulk.Add(1)
	storeMax(&s.gate.longest, took)
	return took, err
}

func (s *Store) checkpointer(db *sql.DB) {
	defer close(s.checkpointDone)
	t := time.NewTicker(walPoll)
	defer t.Stop()
	last, interval := time.Now(), checkpointInterval
	var file, bulk int64 // the WAL file's size and the bulk count at the last look
	for {
		select {
		case <-s.q.Done():
			_, _ = db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
			_ = db.Close()
			return
		case now := <-t.C:
			// The file grows only when the WAL outgrows it: past
			// restartAt, that is worth a checkpoint at once. Bulk
			// requests write fast: copy each walPoll's worth while
			// it is small.
			grew := false
			if size := s.walSize(); size != file {
				grew, file = size > file && size > s.restartAt(), size
			}
			n := s.gate.bulk.Load()
			ranBulk := n != bulk
			bulk = n
			if now.Sub(last) < interval && !grew && !ranBulk {
				continue
			}
			if grew {
				s.walPressure.Store(true) // hold bulk requests while we copy
			}
			interval = checkpointInterval
			if s.checkpoint(db) > s.restartAt()/4 {
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

// passive runs a PASSIVE checkpoint and returns the WAL's content in
// bytes as the pass found it, and whether the pass copied all of that. A
// transaction committed during the pass is not in either figure.
func (s *Store) passive(db *sql.DB) (size int64, all bool) {
	var busy, frames, copied int64
	start := time.Now()
	err := db.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
	storeMax(&s.gate.longestPass, time.Since(start))
	if err != nil {
		return 0, false
	}
	return frames * (s.pageSize + 24), busy == 0 && frames == copied
}

// checkpoint runs one PASSIVE checkpoint, in turn with bulk requests, and,
// when the WAL holds more than restartAt, copies until it restarts (or
// asks the writer to finish the job). It returns the WAL's size.
//
// The WAL has restarted when a pass finds little in it. It will restart
// at the next transaction when two passes in a row found the same content
// and copied all of it: nothing was committed between them, so the next
// transaction begins with every frame copied. (One pass copying all it
// found proves nothing: a transaction may have committed while it ran.)
func (s *Store) checkpoint(db *sql.DB) int64 {
	s.gate.mu.Lock()
	defer s.gate.mu.Unlock()
	size, _ := s.passive(db)
	if size <= s.restartAt() {
		s.walPressure.Store(false)
		return size
	}
	s.walPressure.Store(true)
	prev := size
	for range catchUpPasses {
		time.Sleep(catchUpPause)
		now, all := s.passive(db)
		if now <= s.restarted() || (all && now == prev) {
			s.walPressure.Store(false)
			return size
		}
		prev = now
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
// makes the WAL restart.
func (s *Store) yieldToCheckpoint(ctx context.Context) {
	for deadline := time.Now().Add(maxYield); s.walPressure.Load() && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}
