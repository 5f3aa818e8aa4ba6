package azurestorage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// GetInstance returns an instance's row (one point read). A row whose
// write was lost after its history commit is restored from the sentinel.
func (s *Store) GetInstance(ctx context.Context, instanceID string) (*store.Instance, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	row, err := s.readInstance(ctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("azurestorage: get instance %q: %w", instanceID, err)
	}
	if row != nil {
		return row.inst, nil
	}
	sen, err := s.readSentinel(ctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("azurestorage: get instance %q: %w", instanceID, err)
	}
	if sen.exists && sen.instance != nil {
		if err := s.writeInstance(ctx, sen.instance, sen.token); err != nil {
			return nil, err
		}
		return sen.instance, nil
	}
	return nil, fmt.Errorf("azurestorage: get instance %q: %w", instanceID, store.ErrNotFound)
}

// GetHistory returns the history of the instance's current execution.
func (s *Store) GetHistory(ctx context.Context, instanceID string) ([]*history.Event, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var row *instanceRow
	var rerr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); row, rerr = s.readInstance(ctx, instanceID) }()
	hs, err := s.readHistory(ctx, instanceID)
	wg.Wait()
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, fmt.Errorf("azurestorage: get history %q: %w", instanceID, err)
	}
	if row == nil && !hs.sen.exists {
		return nil, fmt.Errorf("azurestorage: get history %q: %w", instanceID, store.ErrNotFound)
	}
	if row != nil && hs.sen.exists && row.inst.Status == history.StatusPending && row.inst.ExecutionID != hs.sen.execID {
		return []*history.Event{}, nil // replaced, new execution not started yet
	}
	if hs.events == nil {
		return []*history.Event{}, nil
	}
	return hs.events, nil
}

// instanceFilter builds the server-side part of a query.
func instanceFilter(kind store.InstanceKind, prefix string, from, to string, statuses []history.RuntimeStatus) string {
	var parts []string
	if prefix != "" {
		pk := EscapeKey(prefix)
		parts = append(parts, "PartitionKey ge "+odataString(pk)+" and PartitionKey lt "+odataString(pk+"\uffff"))
	}
	switch kind {
	case store.OnlyEntities:
		parts = append(parts, "PartitionKey ge '@' and PartitionKey lt 'A'")
	}
	if from != "" {
		parts = append(parts, "CreatedTime ge datetime'"+from+"'")
	}
	if to != "" {
		parts = append(parts, "CreatedTime le datetime'"+to+"'")
	}
	if len(statuses) > 0 {
		var or []string
		for _, st := range statuses {
			or = append(or, "RuntimeStatus eq "+odataString(st.String()))
		}
		parts = append(parts, "("+strings.Join(or, " or ")+")")
	}
	return strings.Join(parts, " and ")
}

// scanInstances reads every Instances row matching filter.
func (s *Store) scanInstances(ctx context.Context, filter string, payloads bool) ([]*store.Instance, error) {
	opts := &aztables.ListEntitiesOptions{}
	if filter != "" {
		opts.Filter = &filter
	}
	if !payloads {
		sel := "PartitionKey,RowKey,Name,RuntimeStatus,CreatedTime,LastUpdatedTime,CompletedTime,ScheduledStartTime,ExecutionId,FailureDetails,ParentInstanceId,ParentExecutionId,FailureDetailsBlobName"
		opts.Select = &sel
	}
	pager := s.instancesT.NewListEntitiesPager(opts)
	var out []*store.Instance
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, raw := range page.Entities {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, err
			}
			if payloads {
				if err := s.restoreLarge(ctx, m); err != nil {
					return nil, err
				}
			}
			out = append(out, entityToInstance(m))
		}
	}
	return out, nil
}

// ListInstances returns one page of instances ordered by creation time,
// then id. The table is ordered by id, so each page scans the rows
// created at or after the page's start (filters are applied on the
// server where the table service can).
func (s *Store) ListInstances(ctx context.Context, q *store.Query) (*store.Page, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	cur, hasCur, err := storekit.DecodeToken(q.ContinuationToken)
	if err != nil {
		return nil, err
	}
	from := ""
	if !q.CreatedFrom.IsZero() {
		from = formatTime(q.CreatedFrom)
	}
	if hasCur && (q.CreatedFrom.IsZero() || cur.CreatedAt.After(q.CreatedFrom)) {
		from = formatTime(cur.CreatedAt)
	}
	to := ""
	if !q.CreatedTo.IsZero() {
		to = formatTime(q.CreatedTo)
	}
	rows, err := s.scanInstances(ctx, instanceFilter(q.Kind, q.InstanceIDPrefix, from, to, q.Statuses), q.WithPayloads)
	if err != nil {
		return nil, fmt.Errorf("azurestorage: list instances: %w", err)
	}
	rows = slices.DeleteFunc(rows, func(in *store.Instance) bool {
		return !storekit.QueryMatches(q, in) || (hasCur && !cur.After(in))
	})
	slices.SortFunc(rows, storekit.CompareInstances)
	size := storekit.PageSize(q)
	page := &store.Page{Instances: rows}
	if len(rows) > size {
		page.Instances = rows[:size]
		last := rows[size-1]
		page.ContinuationToken = storekit.EncodeToken(storekit.Cursor{CreatedAt: last.CreatedAt, InstanceID: last.InstanceID})
	}
	if page.Instances == nil {
		page.Instances = []*store.Instance{}
	}
	return page, nil
}

// PurgeInstance deletes an instance's history (sentinel first), its
// large-message blobs and then its row. Messages still on the queues are
// dropped when they arrive (the instance no longer exists).
func (s *Store) PurgeInstance(ctx context.Context, instanceID string) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	row, err := s.readInstance(ctx, instanceID)
	if err != nil {
		return fmt.Errorf("azurestorage: purge %q: %w", instanceID, err)
	}
	if row == nil {
		sen, err := s.readSentinel(ctx, instanceID)
		if err != nil {
			return fmt.Errorf("azurestorage: purge %q: %w", instanceID, err)
		}
		if !sen.exists {
			return fmt.Errorf("azurestorage: purge %q: %w", instanceID, store.ErrNotFound)
		}
	}
	return s.purge(ctx, instanceID)
}

func (s *Store) purge(ctx context.Context, instanceID string) error {
	s.forgetCached(instanceID)
	defer s.forgetCached(instanceID)
	if _, err := s.deleteHistory(ctx, instanceID); err != nil {
		return fmt.Errorf("azurestorage: purge %q: history: %w", instanceID, err)
	}
	if err := s.deleteBlobs(ctx, EscapeKey(instanceID)+"/"); err != nil {
		return fmt.Errorf("azurestorage: purge %q: blobs: %w", instanceID, err)
	}
	if _, err := s.instancesT.DeleteEntity(ctx, EscapeKey(instanceID), "", nil); err != nil && !isCode(err, 404) {
		return fmt.Errorf("azurestorage: purge %q: row: %w", instanceID, err)
	}
	s.dropBuffered(ctx, instanceID)
	return nil
}

// dropBuffered deletes the messages this process holds for a purged
// instance; a work item holding it loses its lock.
func (s *Store) dropBuffered(ctx context.Context, instanceID string) {
	s.mu.Lock()
	st := s.insts[instanceID]
	var drop []*qmsg
	if st != nil {
		drop = st.msgs
		for _, q := range drop {
			delete(s.byMsgID, q.msgID)
		}
		delete(s.insts, instanceID)
	}
	s.mu.Unlock()
	s.deleteMsgs(ctx, drop)
}

// PurgeInstances purges every finished instance matching f.
func (s *Store) PurgeInstances(ctx context.Context, f *store.PurgeFilter) (int, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	statuses := storekit.PurgeStatuses(f)
	from, to := "", ""
	if !f.CreatedFrom.IsZero() {
		from = formatTime(f.CreatedFrom)
	}
	if !f.CreatedTo.IsZero() {
		to = formatTime(f.CreatedTo)
	}
	rows, err := s.scanInstances(ctx, instanceFilter(f.Kind, "", from, to, statuses), false)
	if err != nil {
		return 0, fmt.Errorf("azurestorage: purge instances: %w", err)
	}
	slices.SortFunc(rows, storekit.CompareInstances)
	n := 0
	for _, in := range rows {
		if !storekit.PurgeMatches(f, statuses, in) {
			continue
		}
		if f.MaxInstances > 0 && n >= f.MaxInstances {
			break
		}
		if err := s.purge(ctx, in.InstanceID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

var _ store.Store = (*Store)(nil)
