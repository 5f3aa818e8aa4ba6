package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointInterval is how often the background checkpointer copies the
// WAL into the database file.
const checkpointInterval = 500 * time.Millisecond

// checkpointer runs WAL checkpoints on its own connection so that their
// fsyncs never stall the writer (whose connection has automatic
// checkpoints turned off). A PASSIVE checkpoint runs alongside the writer
// and readers.
func (s *Store) checkpointer(db *sql.DB) {
	defer close(s.checkpointDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.q.Done():
			_, _ = db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
			_ = db.Close()
			return
		case <-t.C:
			_, _ = db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}
