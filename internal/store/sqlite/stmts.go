package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// writerStmts are the writer's prepared statements (on its one
// connection, so transactions reuse them).
type writerStmts struct {
	selStatus, upsertRow, delRow      *sql.Stmt
	insRowNew                         *sql.Stmt
	updRowBody, updRowStatus          *sql.Stmt
	updRowFull                        *sql.Stmt
	delRowIf                          *sql.Stmt
	delHistory, insHistory            *sql.Stmt
	insMsg, delMsg, delMsgsOf, updMsg *sql.Stmt
	delMsgRange                       *sql.Stmt
	bumpMsg, raiseMsg                 *sql.Stmt
	insAct, delAct, updAct, bumpAct   *sql.Stmt
	raiseAct                          *sql.Stmt
	all                               []*sql.Stmt
}

func prepareAll(ctx context.Context, db *sql.DB, all *[]*sql.Stmt, defs map[**sql.Stmt]string) error {
	for dst, q := range defs {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		*dst = st
		*all = append(*all, st)
	}
	return nil
}

func (w *writerStmts) prepare(ctx context.Context, db *sql.DB) error {
	return prepareAll(ctx, db, &w.all, map[**sql.Stmt]string{
		&w.selStatus: `SELECT status FROM instances WHERE id = ?`,
		&w.upsertRow: `INSERT OR REPLACE INTO instances (` + instanceColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		&w.insRowNew: `INSERT INTO instances (` + instanceColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING`,
		&w.delRow:    `DELETE FROM instances WHERE id = ?`,
		// See writeRow: the body update names no indexed column, so it
		// rewrites the table page alone.
		&w.updRowBody: `UPDATE instances SET execution_id = ?, name = ?, input = ?, output = ?, custom_status = ?, failure = ?,
	last_updated_at = ?, scheduled_start = ?, parent_instance = ?, parent_execution = ?
	WHERE id = ? AND status = ? AND created_at = ? AND completed_at = ?`,
		&w.updRowStatus: `UPDATE instances SET execution_id = ?, name = ?, status = ?, input = ?, output = ?, custom_status = ?, failure = ?,
	last_updated_at = ?, completed_at = ?, scheduled_start = ?, parent_instance = ?, parent_execution = ?
	WHERE id = ? AND created_at = ?`,
		&w.updRowFull: `UPDATE instances SET execution_id = ?, name = ?, status = ?, input = ?, output = ?, custom_status = ?, failure = ?,
	created_at = ?, last_updated_at = ?, completed_at = ?, scheduled_start = ?, parent_instance = ?, parent_execution = ?
	WHERE id = ?`,
		&w.delRowIf:    `DELETE FROM instances WHERE id = ? AND status = ? AND created_at = ?`,
		&w.delHistory:  `DELETE FROM history WHERE instance_id = ?`,
		&w.insHistory:  `INSERT INTO history (instance_id, seq, execution_id, event) VALUES (?,?,?,?)`,
		&w.insMsg:      `INSERT INTO messages (id, instance_id, execution_id, visible_at, due_at, dequeue_count, event) VALUES (?,?,?,?,?,?,?)`,
		&w.delMsg:      `DELETE FROM messages WHERE id = ?`,
		&w.delMsgRange: `DELETE FROM messages WHERE id BETWEEN ? AND ?`,
		&w.delMsgsOf:   `DELETE FROM messages WHERE instance_id = ?`,
		&w.updMsg:      `UPDATE messages SET visible_at = ?, dequeue_count = ? WHERE id = ?`,
		&w.bumpMsg:     `UPDATE messages SET dequeue_count = ? WHERE id = ?`,
		&w.insAct:      `INSERT INTO activities (id, instance_id, execution_id, visible_at, dequeue_count, event) VALUES (?,?,?,?,?,?)`,
		&w.delAct:      `DELETE FROM activities WHERE id = ?`,
		&w.updAct:      `UPDATE activities SET visible_at = ?, dequeue_count = ? WHERE id = ?`,
		&w.bumpAct:     `UPDATE activities SET dequeue_count = ? WHERE id = ?`,
		&w.raiseMsg:    `UPDATE messages SET dequeue_count = max(dequeue_count, ?) WHERE id = ?`,
		&w.raiseAct:    `UPDATE activities SET dequeue_count = max(dequeue_count, ?) WHERE id = ?`,
	})
}

func (w *writerStmts) close() {
	for _, st := range w.all {
		_ = st.Close()
	}
	w.all = nil
}

// readerStmts are prepared on the reader pool.
type readerStmts struct {
	selRow, selHistory *sql.Stmt
	all                []*sql.Stmt
}

func (r *readerStmts) prepare(ctx context.Context, db *sql.DB) error {
	return prepareAll(ctx, db, &r.all, map[**sql.Stmt]string{
		&r.selRow:     `SELECT ` + instanceColumns + ` FROM instances WHERE id = ?`,
		&r.selHistory: `SELECT event FROM history WHERE instance_id = ? ORDER BY seq`,
	})
}

func (r *readerStmts) close() {
	for _, st := range r.all {
		_ = st.Close()
	}
	r.all = nil
}
