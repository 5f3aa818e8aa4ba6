package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// GetInstance returns a copy of the instance's row.
func (s *Store) GetInstance(ctx context.Context, instanceID string) (*store.Instance, error) {
	if err := s.begin(ctx); err != nil {
		return nil, fmt.Errorf("get instance %q: %w", instanceID, err)
	}
	defer s.mu.Unlock()
	in := s.instances[instanceID]
	if in == nil {
		return nil, fmt.Errorf("get instance %q: %w", instanceID, store.ErrNotFound)
	}
	return storekit.CloneInstance(in.row), nil
}

// GetHistory returns copies of the current execution's events.
func (s *Store) GetHistory(ctx context.Context, instanceID string) ([]*history.Event, error) {
	if err := s.begin(ctx); err != nil {
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, err)
	}
	defer s.mu.Unlock()
	in := s.instances[instanceID]
	if in == nil {
		return nil, fmt.Errorf("get history of instance %q: %w", instanceID, store.ErrNotFound)
	}
	return storekit.CloneEvents(in.history), nil
}

// ListInstances returns one page of matching rows in the order the
// contract gives q: by id for key-ordered queries (an id prefix, entities
// only), else by (CreatedAt, id). The store keeps no index; it filters and
// sorts every row.
func (s *Store) ListInstances(ctx context.Context, q *store.Query) (*store.Page, error) {
	if q == nil {
		q = &store.Query{}
	}
	cur, resume, err := storekit.ResumeCursor(q)
	if err != nil {
		return nil, err
	}
	if err := s.begin(ctx); err != nil {
		return nil, fmt.Errorf("list instances: %w", err)
	}
	var all []*store.Instance
	for _, in := range s.instances {
		if storekit.QueryMatches(q, in.row) && (!resume || cur.After(in.row)) {
			all = append(all, in.row)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, storekit.Compare(q))
	size := storekit.PageSize(q)
	page := &store.Page{}
	if len(all) > size {
		all = all[:size]
		page.ContinuationToken = storekit.EncodeToken(storekit.CursorAfter(q, all[size-1]))
	}
	page.Instances = make([]*store.Instance, len(all))
	for i, row := range all {
		c := storekit.CloneInstance(row)
		if !q.WithPayloads {
			c.Input, c.Output, c.CustomStatus = "", "", ""
		}
		page.Instances[i] = c
	}
	return page, nil
}

// PurgeInstance deletes the instance's row, history and queued messages.
func (s *Store) PurgeInstance(ctx context.Context, instanceID string) error {
	if err := s.begin(ctx); err != nil {
		return fmt.Errorf("purge instance %q: %w", instanceID, err)
	}
	defer s.mu.Unlock()
	if s.instances[instanceID] == nil {
		return fmt.Errorf("purge instance %q: %w", instanceID, store.ErrNotFound)
	}
	s.drop(instanceID)
	return nil
}

// PurgeInstances deletes the finished instances f selects.
func (s *Store) PurgeInstances(ctx context.Context, f *store.PurgeFilter) (int, error) {
	if f == nil {
		f = &store.PurgeFilter{}
	}
	if err := s.begin(ctx); err != nil {
		return 0, fmt.Errorf("purge instances: %w", err)
	}
	defer s.mu.Unlock()
	statuses := storekit.PurgeStatuses(f)
	var victims []*store.Instance
	for _, in := range s.instances {
		if storekit.PurgeMatches(f, statuses, in.row) {
			victims = append(victims, in.row)
		}
	}
	if f.MaxInstances > 0 && len(victims) > f.MaxInstances {
		// Purge the oldest first, so that repeated calls make progress in a
		// predictable order.
		slices.SortFunc(victims, storekit.CompareInstances)
		victims = victims[:f.MaxInstances]
	}
	for _, row := range victims {
		s.drop(row.InstanceID)
	}
	return len(victims), nil
}
