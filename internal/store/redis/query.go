package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// Queries never scan the keyspace. Each partition keeps, per kind, a
// list index of all its instances and one per status: sorted sets whose
// scores are all 0 and whose members are "created|id", so that a range
// by lexicographic order is a range by (CreatedAt, InstanceID), the order
// pages come in. A page merges the ranges of every partition (and status)
// asked for; a continuation token is the last member returned. The
// retention index (members "finished|id") serves purges by completion
// time.

// GetInstance returns an instance's row, or store.ErrNotFound.
func (s *Store) GetInstance(ctx context.Context, instanceID string) (*store.Instance, error) {
	if err := s.begin(ctx); err != nil {
		return nil, opError("get instance", instanceID, err)
	}
	p := s.k.partition(instanceID)
	v, err := s.hmget(s.k.row(p, instanceID), "m", "in", "out", "cs").Result()
	if err != nil {
		return nil, opError("get instance", instanceID, err)
	}
	if v[0] == nil {
		return nil, fmt.Errorf("redis store: instance %q: %w", instanceID, store.ErrNotFound)
	}
	return decodeRow(instanceID, text(v[0]), text(v[1]), text(v[2]), text(v[3]))
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

// GetHistory returns the history of an instance's current execution.
// Events this process decoded before are not decoded again (histCache).
func (s *Store) GetHistory(ctx context.Context, instanceID string) ([]*history.Event, error) {
	if err := s.begin(ctx); err != nil {
		return nil, opError("get history", instanceID, err)
	}
	p := s.k.partition(instanceID)
	exists := goredis.NewIntCmd(context.Background(), "exists", s.k.row(p, instanceID))
	list := goredis.NewStringSliceCmd(context.Background(), "lrange", s.k.hist(p, instanceID), 0, -1)
	s.batch.submit(&call{cmd: exists, read: true, done: make(chan struct{})}, &call{cmd: list, read: true, done: make(chan struct{})})
	if err := errors.Join(exists.Err(), list.Err()); err != nil {
		return nil, opError("get history", instanceID, err)
	}
	if exists.Val() == 0 {
		return nil, fmt.Errorf("redis store: instance %q: %w", instanceID, store.ErrNotFound)
	}
	h, err := s.hist.decode(instanceID, list.Val())
	if err != nil {
		return nil, opError("get history", instanceID, err)
	}
	return h, nil
}

// kindCodes are the index kinds a query's InstanceKind covers.
func kindCodes(k store.InstanceKind) []string {
	switch k {
	case store.OnlyEntities:
		return []string{"e"}
	case store.AllInstances:
		return []string{"o", "e"}
	}
	return []string{"o"}
}

// indexKeys returns the list index keys of every partition for kinds and
// statuses (none: the all-status index).
func (s *Store) indexKeys(kinds []string, statuses []history.RuntimeStatus) []string {
	var out []string
	for p := range s.parts {
		for _, k := range kinds {
			if len(statuses) == 0 {
				out = append(out, s.k.index(p, k, -1))
			}
			for _, st := range statuses {
				out = append(out, s.k.index(p, k, int(st)))
			}
		}
	}
	return out
}

// createdRange returns the lexicographic bounds of a creation window.
func createdRange(from, to time.Time) (lo, hi string) {
	lo, hi = "-", "+"
	if !from.IsZero() {
		lo = "[" + indexPrefix(from)
	}
	if !to.IsZero() {
		hi = "(" + indexPrefix(to.Add(time.Nanosecond))
	}
	return lo, hi
}

// listPlan is where a query reads candidates: which sorted sets, which
// lexicographic range, and how to get an id from a member.
type listPlan struct {
	keys   []string
	lo, hi string
	idOf   func(member string) (string, bool)
}

// planList returns q's plan: key-ordered queries (an id prefix, entities
// only) read the id indexes, others the (created, id) list indexes, of
// the statuses asked for when there are some.
func (s *Store) planList(q *store.Query, cur storekit.Cursor, resume bool) (listPlan, bool) {
	if storekit.KeyOrdered(q) {
		lo, hi, ok := storekit.IDRange(q)
		if !ok {
			return listPlan{}, false
		}
		pl := listPlan{lo: "[" + lo, hi: "+", idOf: func(m string) (string, bool) { return m, true }}
		if hi != "" {
			pl.hi = "(" + hi
		}
		if resume && cur.InstanceID >= lo {
			pl.lo = "(" + cur.InstanceID
		}
		for p := range s.parts {
			for _, k := range kindCodes(q.Kind) {
				pl.keys = append(pl.keys, s.k.ids(p, k))
			}
		}
		return pl, true
	}
	statuses := slices.Compact(slices.Sorted(slices.Values(q.Statuses)))
	pl := listPlan{keys: s.indexKeys(kindCodes(q.Kind), statuses), idOf: memberID}
	pl.lo, pl.hi = createdRange(q.CreatedFrom, q.CreatedTo)
	if resume {
		if after := "(" + indexMember(cur.CreatedAt, cur.InstanceID); pl.lo == "-" || after[1:] >= pl.lo[1:] {
			pl.lo = after
		}
	}
	return pl, true
}

// ListInstances returns one page of instances matching q, in the order
// the contract gives q.
func (s *Store) ListInstances(ctx context.Context, q *store.Query) (*store.Page, error) {
	if q == nil {
		q = &store.Query{}
	}
	if err := s.begin(ctx); err != nil {
		return nil, fmt.Errorf("redis store: list instances: %w", err)
	}
	cur, resume, err := storekit.ResumeCursor(q)
	if err != nil {
		return nil, err
	}
	page := &store.Page{}
	pl, ok := s.planList(q, cur, resume)
	if !ok {
		return page, nil
	}
	size := storekit.PageSize(q)
	prefix := q.InstanceIDPrefix
	match := func(id string) bool { return storekit.KindMatches(q.Kind, id) && strings.HasPrefix(id, prefix) }
	for {
		need := size + 1 - len(page.Instances)
		members, err := s.scanIndexes(ctx, pl, need, match)
		if err != nil {
			return nil, fmt.Errorf("redis store: list instances: %w", err)
		}
		rows, err := s.readRows(ctx, idsOf(pl, members), q.WithPayloads)
		if err != nil {
			return nil, fmt.Errorf("redis store: list instances: %w", err)
		}
		for _, r := range rows {
			if storekit.QueryMatches(q, r) {
				page.Instances = append(page.Instances, r)
			}
		}
		if len(members) < need || len(page.Instances) > size {
			break
		}
		pl.lo = "(" + members[len(members)-1]
	}
	if len(page.Instances) > size {
		page.Instances = page.Instances[:size]
		page.ContinuationToken = storekit.EncodeToken(storekit.CursorAfter(q, page.Instances[size-1]))
	}
	return page, nil
}

func idsOf(pl listPlan, members []string) []string {
	out := make([]string, len(members))
	for i, m := range members {
		out[i], _ = pl.idOf(m)
	}
	return out
}

// scanIndexes merges the lexicographic ranges [pl.lo, pl.hi] of pl.keys
// and returns, in order, up to limit members whose id passes match. Each
// round reads a batch of every key; members up to the smallest last
// member of a full batch are final, the rest are read again next round.
func (s *Store) scanIndexes(ctx context.Context, pl listPlan, limit int, match func(id string) bool) ([]string, error) {
	batch := int64(max(16, 2*limit/max(len(pl.keys), 1)+1))
	lo := pl.lo
	var out []string
	for {
		pipe := s.rdb.Pipeline()
		cmds := make([]*goredis.StringSliceCmd, len(pl.keys))
		for i, k := range pl.keys {
			cmds[i] = pipe.ZRangeByLex(ctx, k, &goredis.ZRangeBy{Min: lo, Max: pl.hi, Count: batch})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
		var all []string
		frontier, full := "", false
		for _, c := range cmds {
			v := c.Val()
			all = append(all, v...)
			if int64(len(v)) == batch {
				if last := v[len(v)-1]; !full || last < frontier {
					frontier = last
				}
				full = true
			}
		}
		slices.Sort(all)
		all = slices.Compact(all)
		for _, m := range all {
			if full && m > frontier {
				break
			}
			if id, ok := pl.idOf(m); ok && match(id) {
				out = append(out, m)
				if len(out) == limit {
					return out, nil
				}
			}
		}
		if !full {
			return out, nil
		}
		lo = "(" + frontier
	}
}

// readRows reads the rows of ids (skipping purged ones).
func (s *Store) readRows(ctx context.Context, ids []string, payloads bool) ([]*store.Instance, error) {
	fields := []string{"m"}
	if payloads {
		fields = append(fields, "in", "out", "cs")
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*goredis.SliceCmd, len(ids))
	for i := range ids {
		cmds[i] = pipe.HMGet(ctx, s.k.row(s.k.partition(ids[i]), ids[i]), fields...)
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]*store.Instance, 0, len(ids))
	for i, c := range cmds {
		v := c.Val()
		if len(v) == 0 || v[0] == nil {
			continue
		}
		var in, o, cs string
		if payloads {
			in, o, cs = text(v[1]), text(v[2]), text(v[3])
		}
		r, err := decodeRow(ids[i], text(v[0]), in, o, cs)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// memberID returns the instance id of a list or retention index member
// (digits, '|', id).
func memberID(m string) (string, bool) {
	i := strings.IndexByte(m, '|')
	if i < 0 {
		return "", false
	}
	return m[i+1:], true
}
