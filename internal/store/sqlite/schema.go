package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; migration i brings the schema to
// version i+1. Never edit a released migration: append a new one.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE instances (
	id               TEXT PRIMARY KEY,
	execution_id     TEXT NOT NULL,
	name             TEXT NOT NULL,
	status           INTEGER NOT NULL,
	input            TEXT NOT NULL,
	output           TEXT NOT NULL,
	custom_status    TEXT NOT NULL,
	failure          TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	last_updated_at  INTEGER NOT NULL,
	completed_at     INTEGER NOT NULL,
	scheduled_start  INTEGER NOT NULL,
	parent_instance  TEXT NOT NULL,
	parent_execution TEXT NOT NULL
);
CREATE INDEX instances_created ON instances (created_at, id);
CREATE INDEX instances_status ON instances (status, created_at);

CREATE TABLE history (
	instance_id  TEXT NOT NULL,
	seq          INTEGER NOT NULL,
	execution_id TEXT NOT NULL,
	event        BLOB NOT NULL,
	PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;

CREATE TABLE messages (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	instance_id   TEXT NOT NULL,
	execution_id  TEXT NOT NULL,
	visible_at    INTEGER NOT NULL,
	due_at        INTEGER NOT NULL,
	dequeue_count INTEGER NOT NULL,
	event         BLOB NOT NULL
);
CREATE INDEX messages_instance ON messages (instance_id);

CREATE TABLE activities (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	instance_id   TEXT NOT NULL,
	execution_id  TEXT NOT NULL,
	visible_at    INTEGER NOT NULL,
	dequeue_count INTEGER NOT NULL,
	event         BLOB NOT NULL
);
`,
	// 2: management queries and purges served by indexes. The status
	// index gains id so that a page of one status resumes by a row-value
	// range; the partial finished index holds only finished rows (running
	// ones are rewritten at every commit and stay out of it), so that the
	// retention purge reads only what it deletes. Rows that finished with
	// no completion time get their last update, the time
	// storekit.FinishedAt gives them anyway.
	`
DROP INDEX instances_status;
CREATE INDEX instances_status ON instances (status, created_at, id);
UPDATE instances SET completed_at = last_updated_at WHERE completed_at = 0 AND status IN (1, 3, 4, 5);
CREATE INDEX instances_finished ON instances (completed_at, id) WHERE completed_at <> 0;
`,
	// 3: a history row may hold a chunk, every event of one commit (see
	// chunk.go). The tables do not change and old rows stay readable;
	// the version rises so that a program that knows only one event per
	// row refuses the file instead of failing on its first chunk.
	`SELECT 1`,
}

// migrate brings the database to the latest schema version, one
// transaction per migration.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	var version int
	err := db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case err == sql.ErrNoRows:
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("init schema_version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this program's %d", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, v+1); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
	return nil
}
