package redis

import (
	"context"
	"fmt"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// PurgeInstance deletes an instance's row, history and queued messages;
// a work item holding it loses its lock.
func (s *Store) PurgeInstance(ctx context.Context, instanceID string) error {
	n, err := s.purge(ctx, instanceID, "")
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("redis store: purge instance %q: %w", instanceID, store.ErrNotFound)
	}
	return nil
}

// purge runs the purge script; allowed is the ",s,s," list of statuses
// the row must be in ("" for any). It returns 1 when it purged.
func (s *Store) purge(ctx context.Context, id, allowed string) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, opError("purge", id, err)
	}
	p := s.k.partition(id)
	s.hist.forget(id)
	n, err := s.runScript(purgeScript, []string{s.k.row(p, id)}, s.k.prefix(p), id, allowed).Int()
	if err != nil {
		return 0, opError("purge", id, err)
	}
	return max(n, 0), nil
}

// purgeChunk is how many candidates a purge reads at a time.
const purgeChunk = 500

// PurgeInstances deletes the finished instances f selects, reading
// candidates from an index: the given ids, the retention index for a
// purge by completion time, else the per-status list indexes.
func (s *Store) PurgeInstances(ctx context.Context, f *store.PurgeFilter) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, fmt.Errorf("redis store: purge instances: %w", err)
	}
	statuses := storekit.PurgeStatuses(f)
	allowed := refusedStatuses(store.CreateOptions{DedupeStatuses: statuses})
	purged := 0
	consider := func(rows []*store.Instance) (bool, error) {
		for _, r := range rows {
			if f.MaxInstances > 0 && purged >= f.MaxInstances {
				return true, nil
			}
			if !storekit.PurgeMatches(f, statuses, r) {
				continue
			}
			n, err := s.purge(ctx, r.InstanceID, allowed)
			if err != nil {
				return true, err
			}
			purged += n
		}
		return f.MaxInstances > 0 && purged >= f.MaxInstances, nil
	}
	var err error
	if len(f.InstanceIDs) > 0 {
		err = s.purgeIDs(ctx, f.InstanceIDs, consider)
	} else {
		err = s.purgeFromIndexes(ctx, s.purgePlan(f, statuses), f.Kind, consider)
	}
	if err != nil {
		return purged, fmt.Errorf("redis store: purge instances: %w", err)
	}
	return purged, nil
}

func (s *Store) purgeIDs(ctx context.Context, ids []string, consider func([]*store.Instance) (bool, error)) error {
	for start := 0; start < len(ids); start += purgeChunk {
		rows, err := s.readRows(ctx, ids[start:min(start+purgeChunk, len(ids))], false)
		if err != nil {
			return err
		}
		if stop, err := consider(rows); stop || err != nil {
			return err
		}
	}
	return nil
}

// purgePlan picks the indexes and range a purge reads candidates from.
func (s *Store) purgePlan(f *store.PurgeFilter, statuses []history.RuntimeStatus) listPlan {
	if !f.CompletedTo.IsZero() && f.CreatedFrom.IsZero() && f.CreatedTo.IsZero() {
		pl := listPlan{lo: "-", hi: fmt.Sprintf("(%013d", max(f.CompletedTo.UnixMilli()+1, 0)), idOf: memberID}
		for p := range s.parts {
			pl.keys = append(pl.keys, s.k.done(p))
		}
		return pl
	}
	pl := listPlan{keys: s.indexKeys(kindCodes(f.Kind), statuses), idOf: memberID}
	pl.lo, pl.hi = createdRange(f.CreatedFrom, f.CreatedTo)
	return pl
}

func (s *Store) purgeFromIndexes(ctx context.Context, pl listPlan, kind store.InstanceKind, consider func([]*store.Instance) (bool, error)) error {
	for {
		members, err := s.scanIndexes(ctx, pl, purgeChunk, func(id string) bool { return storekit.KindMatches(kind, id) })
		if err != nil || len(members) == 0 {
			return err
		}
		rows, err := s.readRows(ctx, idsOf(pl, members), false)
		if err != nil {
			return err
		}
		if stop, err := consider(rows); stop || err != nil {
			return err
		}
		if len(members) < purgeChunk {
			return nil
		}
		pl.lo = "(" + members[len(members)-1]
	}
}
