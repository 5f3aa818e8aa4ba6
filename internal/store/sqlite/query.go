package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

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

// knownRow returns the committed row memory holds for the instance (cached
// with its history, or finished lately), or nil: one lock for both.
func (s *Store) knownRow(id string) *store.Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.cache[id]; c != nil && c.row != nil {
		return c.row
	}
	return s.finished[id]
}

// GetInstance returns the instance's row; see store.Store.
func (s *Store) GetInstance(ctx context.Context, instanceID string) (*store.Instance, error) {
	if err := s.open(ctx); err != nil {
		return nil, fmt.Errorf("get instance %q: %w", instanceID, err)
	}
	if row := s.knownRow(instanceID); row != nil {
		return storekit.CloneInstance(row), nil
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
	hist, err := scanHistory(rows)
	if err != nil {
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
	}
	return hist, nil
}

// ListInstances returns one page of matching rows: in id order for
// key-ordered queries (an id prefix, entities only), else in (CreatedAt,
// id) order; see store.Store. Several statuses are read as one ordered
// range each, merged.
func (s *Store) ListInstances(ctx context.Context, q *store.Query) (*store.Page, error) {
	if q == nil {
		q = &store.Query{}
	}
	cur, resume, err := storekit.ResumeCursor(q)
	if err != nil {
		return nil, err
	}
	if err := s.open(ctx); err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	size := storekit.PageSize(q)
	rows, err := s.readPage(ctx, listStatements(q, cur, resume, size+1))
	if err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	slices.SortFunc(rows, storekit.Compare(q))
	page := &store.Page{Instances: rows}
	if len(rows) > size {
		page.Instances = rows[:size]
		page.ContinuationToken = storekit.EncodeToken(storekit.CursorAfter(q, rows[size-1]))
	}
	return page, nil
}

// readPage runs stmts in one read snapshot and returns their rows.
func (s *Store) readPage(ctx context.Context, stmts []selectSQL) ([]*store.Instance, error) {
	out := []*store.Instance{}
	if len(stmts) == 0 {
		return out, nil
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, st := range stmts {
		rows, err := tx.QueryContext(ctx, st.text, st.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			inst, err := scanRow(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, inst)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
