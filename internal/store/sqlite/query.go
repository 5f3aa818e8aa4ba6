package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

func (s *Store) open(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.q.Closed() {
		return store.ErrClosed
	}
	return nil
}

func (s *Store) cachedRow(id string) *cached {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cache[id]
}

// GetInstance returns the instance's row; see store.Store.
func (s *Store) GetInstance(ctx context.Context, instanceID string) (*store.Instance, error) {
	if err := s.open(ctx); err != nil {
		return nil, fmt.Errorf("get instance %q: %w", instanceID, err)
	}
	if c := s.cachedRow(instanceID); c != nil && c.row != nil {
		return storekit.CloneInstance(c.row), nil
	}
	row, err := scanRow(s.r.selRow.QueryRowContext(ctx, instanceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get instance %q: %w", instanceID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get instance %q: %w", instanceID, err)
	}
	return row, nil
}

// GetHistory returns the current execution's history; see
// store.Store.
func (s *Store) GetHistory(ctx context.Context, instanceID string) ([]*history.Event, error) {
	if err := s.open(ctx); err != nil {
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
	}
	if c := s.cachedRow(instanceID); c != nil && c.row != nil {
		return storekit.CloneEvents(c.history), nil
	}
	// Read row and history in one snapshot.
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
	}
	defer tx.Rollback()
	var one int
	if err := tx.StmtContext(ctx, s.r.selRow).QueryRowContext(ctx, instanceID).Scan(new(string), new(string), new(string), &one,
		new(string), new(string), new(string), new(string), new(int64), new(int64), new(int64), new(int64), new(string), new(string)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("get history of instance %q: %w", instanceID, store.ErrNotFound)
		}
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
	}
	rows, err := tx.StmtContext(ctx, s.r.selHistory).QueryContext(ctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
	}
	defer rows.Close()
	hist := []*history.Event{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
		}
		e, err := decodeEvent(b)
		if err != nil {
			return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
		}
		hist = append(hist, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
	}
	return hist, nil
}

// kindClause restricts a query to an instance kind.
func kindClause(k store.InstanceKind) string {
	switch k {
	case store.OnlyOrchestrations:
		return "substr(id, 1, 1) <> '@'"
	case store.OnlyEntities:
		return "substr(id, 1, 1) = '@'"
	}
	return ""
}

func statusIn(statuses []history.RuntimeStatus, args *[]any) string {
	ph := make([]string, len(statuses))
	for i, st := range statuses {
		ph[i] = "?"
		*args = append(*args, int(st))
	}
	return "status IN (" + strings.Join(ph, ",") + ")"
}

// ListInstances returns one page of matching rows in (CreatedAt, id)
// order; see store.Store.
func (s *Store) ListInstances(ctx context.Context, q *store.Query) (*store.Page, error) {
	if q == nil {
		q = &store.Query{}
	}
	cur, resume, err := storekit.DecodeToken(q.ContinuationToken)
	if err != nil {
		return nil, err
	}
	if err := s.open(ctx); err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	var where []string
	var args []any
	if c := kindClause(q.Kind); c != "" {
		where = append(where, c)
	}
	if !q.CreatedFrom.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, toNanos(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		where, args = append(where, "created_at <= ?"), append(args, toNanos(q.CreatedTo))
	}
	if len(q.Statuses) > 0 {
		where = append(where, statusIn(q.Statuses, &args))
	}
	if q.InstanceIDPrefix != "" {
		where, args = append(where, "substr(id, 1, ?) = ?"), append(args, len([]rune(q.InstanceIDPrefix)), q.InstanceIDPrefix)
	}
	if resume {
		n := toNanos(cur.CreatedAt)
		where, args = append(where, "(created_at > ? OR (created_at = ? AND id > ?))"), append(args, n, n, cur.InstanceID)
	}
	size := storekit.PageSize(q)
	cols := instanceColumns
	if !q.WithPayloads {
		cols = strings.NewReplacer("input,", "'',", "output,", "'',", "custom_status,", "'',").Replace(cols)
	}
	query := "SELECT " + cols + " FROM instances"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY created_at, id LIMIT ?"
	args = append(args, size+1)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	defer rows.Close()
	page := &store.Page{}
	for rows.Next() {
		inst, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("list instances: %w", err)
		}
		page.Instances = append(page.Instances, inst)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	if len(page.Instances) > size {
		page.Instances = page.Instances[:size]
		last := page.Instances[size-1]
		page.ContinuationToken = storekit.EncodeToken(storekit.Cursor{CreatedAt: last.CreatedAt, InstanceID: last.InstanceID})
	}
	return page, nil
}

// purge deletes instance id's row, history and messages in b.
func (b *batch) purge(id string) error {
	for _, st := range []*sql.Stmt{b.s.w.delRow, b.s.w.delHistory, b.s.w.delMsgsOf} {
		if err := b.exec(st, id); err != nil {
			return fmt.Errorf("purge instance %q: %w", id, err)
		}
	}
	b.stolen[id] = true
	return nil
}

// PurgeInstance deletes the instance's row, history and queued messages.
func (s *Store) PurgeInstance(ctx context.Context, instanceID string) error {
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		var status int
		switch err := b.stmt(s.w.selStatus).QueryRow(instanceID).Scan(&status); {
		case errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("purge instance %q: %w", instanceID, store.ErrNotFound), nil
		case err != nil:
			return nil, nil, err
		}
		if err := b.purge(instanceID); err != nil {
			return nil, nil, err
		}
		return func() { s.qdrop(instanceID) }, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return err
		}
		return fmt.Errorf("purge instance %q: %w", instanceID, err)
	}
	return nil
}

// PurgeInstances deletes the finished instances f selects, oldest first.
func (s *Store) PurgeInstances(ctx context.Context, f *store.PurgeFilter) (int, error) {
	if f == nil {
		f = &store.PurgeFilter{}
	}
	statuses := storekit.PurgeStatuses(f)
	var n int
	o := &op{done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		var args []any
		query := "SELECT id, status, created_at, completed_at, last_updated_at FROM instances WHERE " + statusIn(statuses, &args)
		if c := kindClause(f.Kind); c != "" {
			query += " AND " + c
		}
		query += " ORDER BY created_at, id"
		rows, err := b.tx.Query(query, args...)
		if err != nil {
			return nil, nil, err
		}
		var victims []string
		for rows.Next() {
			var (
				inst                        store.Instance
				status                      int
				created, completed, updated int64
			)
			if err := rows.Scan(&inst.InstanceID, &status, &created, &completed, &updated); err != nil {
				rows.Close()
				return nil, nil, err
			}
			inst.Status = history.RuntimeStatus(status)
			inst.CreatedAt, inst.CompletedAt, inst.LastUpdatedAt = fromNanos(created), fromNanos(completed), fromNanos(updated)
			if storekit.PurgeMatches(f, statuses, &inst) {
				victims = append(victims, inst.InstanceID)
				if f.MaxInstances > 0 && len(victims) == f.MaxInstances {
					break
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		for _, id := range victims {
			if err := b.purge(id); err != nil {
				return nil, nil, err
			}
		}
		n = len(victims)
		return func() {
			for _, id := range victims {
				s.qdrop(id)
			}
		}, nil, nil
	}}
	if err := s.submit(ctx, o); err != nil {
		return 0, fmt.Errorf("purge instances: %w", err)
	}
	return n, nil
}
