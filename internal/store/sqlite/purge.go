package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// A purge by filter deletes in batches, each its own writer request, so
// that creates and commits queued behind it wait for one batch at most.
// The batch size adapts so that a batch (its deletes and its commit) holds
// the writer for about purgeTarget: well under the 100 ms a start may
// wait, with room for a busy machine's scheduling delays (at 10 ms, 2 starts
// in 19,387 still waited over 100 ms during a full purge of a million).
const (
	purgeTarget     = 5 * time.Millisecond
	firstPurgeBatch = 32
	minPurgeBatch   = 8
	maxPurgeBatch   = 2048
)

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
	s.reclaim(ctx)
	return nil
}

// PurgeInstances deletes the finished instances f selects, reading them
// from an index range a batch at a time; see purgeStreams.
func (s *Store) PurgeInstances(ctx context.Context, f *store.PurgeFilter) (int, error) {
	if f == nil {
		f = &store.PurgeFilter{}
	}
	if err := s.open(ctx); err != nil {
		return 0, fmt.Errorf("purge instances: %w", err)
	}
	p := &purgeRun{s: s, f: f, statuses: storekit.PurgeStatuses(f), size: firstPurgeBatch}
	var err error
	if len(f.InstanceIDs) > 0 {
		err = p.listed(ctx)
	} else {
		err = p.ranges(ctx)
	}
	if err != nil {
		return p.n, fmt.Errorf("purge instances: %w", err)
	}
	s.reclaim(ctx)
	return p.n, nil
}

// purgeRun is the state of one PurgeInstances call.
type purgeRun struct {
	s           *Store
	f           *store.PurgeFilter
	statuses    []history.RuntimeStatus
	size        int     // the next batch's size
	perInstance float64 // smoothed nanoseconds of writer time per instance
	n           int     // purged so far
}

// room is how many more instances the run may purge in its next batch.
func (p *purgeRun) room() int {
	if p.f.MaxInstances > 0 {
		return min(p.size, p.f.MaxInstances-p.n)
	}
	return p.size
}

// ranges purges every stream of the filter, batch by batch; a batch may
// take candidates from several streams (a window holds a few instances of
// each status).
func (p *purgeRun) ranges(ctx context.Context) error {
	var pending []candidate
	for _, stream := range purgeStreams(p.f, p.statuses) {
		for {
			want := p.room() - len(pending)
			if want <= 0 {
				if err := p.delete(ctx, pending); err != nil {
					return err
				}
				if pending = pending[:0]; p.room() <= 0 {
					return nil // MaxInstances
				}
				continue
			}
			cands, err := p.s.candidates(ctx, stream, stream.statement(p.f, p.statuses, want))
			if err != nil {
				return err
			}
			pending = append(pending, cands...)
			if len(cands) < want {
				break // the stream is exhausted
			}
		}
	}
	return p.delete(ctx, pending)
}

// listed purges the instances f names that match it.
func (p *purgeRun) listed(ctx context.Context) error {
	var cands []candidate
	seen := map[string]bool{}
	for _, id := range p.f.InstanceIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		row, err := scanRow(p.s.r.selRow.QueryRowContext(ctx, id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read instance %q: %w", id, err)
		}
		if storekit.PurgeMatches(p.f, p.statuses, row) {
			cands = append(cands, candidate{id: id, status: int(row.Status), created: toNanos(row.CreatedAt)})
		}
	}
	for len(cands) > 0 {
		limit := p.room()
		if limit <= 0 {
			return nil
		}
		k := min(limit, len(cands))
		if err := p.delete(ctx, cands[:k]); err != nil {
			return err
		}
		cands = cands[k:]
	}
	return nil
}

// delete purges one batch and sizes the next from the time per instance
// (smoothed: single batches vary a lot on a busy machine).
func (p *purgeRun) delete(ctx context.Context, cands []candidate) error {
	if len(cands) == 0 {
		return nil
	}
	n, took, err := p.s.deleteBatch(ctx, cands)
	p.n += n
	if err != nil {
		return err
	}
	per := float64(took) / float64(len(cands))
	if p.perInstance == 0 {
		p.perInstance = per
	}
	p.perInstance = 0.7*p.perInstance + 0.3*per
	next := int(float64(purgeTarget) / p.perInstance)
	p.size = min(max(next, minPurgeBatch), maxPurgeBatch, p.size*3/2+1)
	return nil
}

// candidates reads a stream's next batch on a reader connection, so that
// the writer is held only by the deletes.
func (s *Store) candidates(ctx context.Context, stream *purgeStream, st selectSQL) ([]candidate, error) {
	rows, err := s.rdb.QueryContext(ctx, st.text, st.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		var key int64
		if err := rows.Scan(&c.id, &c.status, &c.created, &key); err != nil {
			return nil, err
		}
		out = append(out, c)
		stream.started, stream.key, stream.id = true, key, c.id
	}
	return out, rows.Err()
}

// deleteBatch purges the candidates that are still as they were read (a
// rewound or replaced instance changed status or creation time and is
// kept). It returns how many it purged and how long the request took
// (mostly the writer's time on it: the writer is idle or busy with short
// requests).
func (s *Store) deleteBatch(ctx context.Context, cands []candidate) (int, time.Duration, error) {
	var gone []string
	o := &op{bulk: true, done: make(chan error, 1), apply: func(b *batch) (func(), error, error) {
		gone = gone[:0] // a failed group transaction applies its requests again
		for _, c := range cands {
			res, err := b.stmt(s.w.delRowIf).Exec(c.id, c.status, c.created)
			if err != nil {
				return nil, nil, err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				continue
			}
			if err := b.exec(s.w.delHistory, c.id); err != nil {
				return nil, nil, err
			}
			if err := b.exec(s.w.delMsgsOf, c.id); err != nil {
				return nil, nil, err
			}
			b.stolen[c.id] = true
			gone = append(gone, c.id)
		}
		return func() {
			for _, id := range gone {
				s.qdrop(id)
			}
		}, nil, nil
	}}
	took, err := s.submitBulk(ctx, o)
	if err != nil {
		return 0, 0, err
	}
	return len(gone), took, nil
}
