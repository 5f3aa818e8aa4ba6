package azurestorage

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// purgeParallelism is how many instances a purge by filter deletes at
// once. Each instance is its own partition in both tables, so its deletes
// cannot share a transaction with another instance's; running many side
// by side is what makes a large purge finish.
const purgeParallelism = 32

// purgeColumns are what a purge by filter reads of each Instances row.
const purgeColumns = "PartitionKey,RowKey,RuntimeStatus,CreatedTime,CompletedTime,LastUpdatedTime"

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
	return s.purge(ctx, instanceID, "")
}

// purge deletes an instance: history, blobs, then the row, under etag
// when one is given (a row replaced since it was read is left alone).
func (s *Store) purge(ctx context.Context, instanceID string, etag azcore.ETag) error {
	s.forgetCached(instanceID)
	defer s.forgetCached(instanceID)
	if err := s.deleteHistory(ctx, instanceID); err != nil {
		return fmt.Errorf("azurestorage: purge %q: history: %w", instanceID, err)
	}
	if err := s.deleteBlobs(ctx, EscapeKey(instanceID)+"/"); err != nil {
		return fmt.Errorf("azurestorage: purge %q: blobs: %w", instanceID, err)
	}
	var opts *aztables.DeleteEntityOptions
	if etag != "" {
		opts = &aztables.DeleteEntityOptions{IfMatch: &etag}
	}
	if _, err := s.instancesT.DeleteEntity(ctx, EscapeKey(instanceID), "", opts); err != nil && !isCode(err, 404) && !isCode(err, 412) {
		return fmt.Errorf("azurestorage: purge %q: row: %w", instanceID, err)
	}
	s.dropBuffered(ctx, instanceID)
	return nil
}

// deleteHistory deletes every History row of an instance in entity-group
// transactions of 100 (its rows share a partition), the sentinel in the
// first one, so that a half-deleted history is never repaired back.
func (s *Store) deleteHistory(ctx context.Context, instanceID string) error {
	pk := EscapeKey(instanceID)
	filter := "PartitionKey eq " + odataString(pk)
	sel := "PartitionKey,RowKey"
	pager := s.historyT.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel})
	var keys []string
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, raw := range page.Entities {
			var m map[string]any
			if json.Unmarshal(raw, &m) == nil {
				if rk := getString(m, "RowKey"); rk == sentinelRowKey {
					keys = append([]string{rk}, keys...)
				} else {
					keys = append(keys, rk)
				}
			}
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), 100)
		if err := s.deleteRows(ctx, pk, keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// deleteRows deletes rows of one History partition in one transaction.
func (s *Store) deleteRows(ctx context.Context, pk string, rowKeys []string) error {
	acts := make([]aztables.TransactionAction, len(rowKeys))
	for i, rk := range rowKeys {
		b, _ := json.Marshal(map[string]any{"PartitionKey": pk, "RowKey": rk})
		acts[i] = aztables.TransactionAction{ActionType: aztables.TransactionTypeDelete, Entity: b}
	}
	if _, err := s.historyT.SubmitTransaction(ctx, acts, nil); err == nil {
		return nil
	}
	// A row deleted meanwhile fails the whole transaction: delete one by
	// one, in the same order.
	for _, rk := range rowKeys {
		if _, err := s.historyT.DeleteEntity(ctx, pk, rk, nil); err != nil && !isCode(err, 404) {
			return err
		}
	}
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

// purgeFilter is the server-side filter of f. The completion bound is
// widened to rows whose last update is before it (FinishedAt falls back
// to LastUpdatedTime); PurgeMatches decides exactly.
func purgeFilter(f *store.PurgeFilter, statuses []history.RuntimeStatus) string {
	var b filterBuilder
	b.kind(f.Kind)
	b.created(f.CreatedFrom, f.CreatedTo)
	b.statuses(statuses)
	if !f.CompletedTo.IsZero() {
		t := "datetime'" + formatTime(f.CompletedTo) + "'"
		b.add("(CompletedTime lt " + t + " or LastUpdatedTime lt " + t + ")")
	}
	return b.String()
}

// victim is an instance a purge by filter deletes.
type victim struct {
	id   string
	etag azcore.ETag
}

// PurgeInstances purges every finished instance matching f: the table
// service finds them a segment (≤ 1,000 rows) at a time, and each
// segment's instances are deleted purgeParallelism at a time.
func (s *Store) PurgeInstances(ctx context.Context, f *store.PurgeFilter) (int, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	if f == nil {
		f = &store.PurgeFilter{}
	}
	statuses := storekit.PurgeStatuses(f)
	if len(f.InstanceIDs) > 0 {
		return s.purgeListed(ctx, f, statuses)
	}
	filter := purgeFilter(f, statuses)
	n := 0
	part, row := "", ""
	for {
		victims, seg, err := s.purgeSegment(ctx, f, statuses, filter, part, row)
		if err != nil {
			return n, fmt.Errorf("azurestorage: purge instances: %w", err)
		}
		if f.MaxInstances > 0 {
			victims = victims[:min(len(victims), f.MaxInstances-n)]
		}
		done, err := s.purgeAll(ctx, victims)
		n += done
		if err != nil || !seg.more || (f.MaxInstances > 0 && n >= f.MaxInstances) {
			return n, err
		}
		part, row = seg.nextPart, seg.nextRow
	}
}

// purgeSegment reads one segment of purge candidates.
func (s *Store) purgeSegment(ctx context.Context, f *store.PurgeFilter, statuses []history.RuntimeStatus, filter, part, row string) ([]victim, *segment, error) {
	seg, err := s.querySegment(ctx, filter, purgeColumns, 0, part, row)
	if err != nil {
		return nil, nil, err
	}
	var out []victim
	for _, m := range seg.entities {
		if in := entityToInstance(m); storekit.PurgeMatches(f, statuses, in) {
			out = append(out, victim{id: in.InstanceID, etag: azcore.ETag(getString(m, "odata.etag"))})
		}
	}
	return out, seg, nil
}

// purgeListed purges the instances f names that match it.
func (s *Store) purgeListed(ctx context.Context, f *store.PurgeFilter, statuses []history.RuntimeStatus) (int, error) {
	var victims []victim
	seen := map[string]bool{}
	for _, id := range f.InstanceIDs {
		if seen[id] || (f.MaxInstances > 0 && len(victims) >= f.MaxInstances) {
			continue
		}
		seen[id] = true
		row, err := s.readInstance(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("azurestorage: purge instances: %w", err)
		}
		if row != nil && storekit.PurgeMatches(f, statuses, row.inst) {
			victims = append(victims, victim{id: id, etag: row.etag})
		}
	}
	return s.purgeAll(ctx, victims)
}

// purgeAll purges victims purgeParallelism at a time and returns how many
// it purged; the first error stops it.
func (s *Store) purgeAll(ctx context.Context, victims []victim) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		n        int
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan victim)
	)
	for range min(purgeParallelism, len(victims)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range next {
				err := s.purge(ctx, v.id, v.etag)
				mu.Lock()
				if err == nil {
					n++
				} else if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	for _, v := range victims {
		if ctx.Err() != nil {
			break
		}
		next <- v
	}
	close(next)
	wg.Wait()
	return n, firstErr
}

var _ store.Store = (*Store)(nil)
