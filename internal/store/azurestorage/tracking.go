package azurestorage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// sentinel is the History table's "sentinel" row of an instance: the
// optimistic-concurrency token (its ETag) and the commit record. Our
// columns beyond the provider's (ExecutionId, IsCheckpointComplete,
// CheckpointCompletedTimestamp): HistoryLength (rows 0..HistoryLength-1
// of ExecutionId are the history; anything else is stale or not yet
// committed), CheckpointToken (unique per commit, also written to the
// Instances row: a mismatch means the row write was lost), Consumed (the
// envelope ids of recently consumed messages, to drop redeliveries) and
// Instance (the committed Instances row as JSON, to repair a lost row
// write).
type sentinel struct {
	exists   bool
	etag     azcore.ETag
	execID   string
	length   int
	token    string
	consumed []string
	instance *store.Instance
}

// maxConsumed bounds the Consumed list (kept under the 64 KiB property
// limit: 800 × 33 characters × 2 bytes).
const maxConsumed = 800

type historyState struct {
	sen    sentinel
	events []*history.Event
}

func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// readHistory reads an instance's History partition.
func (s *Store) readHistory(ctx context.Context, instanceID string) (*historyState, error) {
	pk := EscapeKey(instanceID)
	filter := "PartitionKey eq " + odataString(pk)
	pager := s.historyT.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter})
	type row struct {
		idx int
		m   map[string]any
	}
	var rows []row
	hs := &historyState{}
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
			rk := getString(m, "RowKey")
			if rk == sentinelRowKey {
				if err := s.parseSentinel(ctx, m, &hs.sen); err != nil {
					return nil, err
				}
				continue
			}
			var idx int
			if _, err := fmt.Sscanf(rk, "%X", &idx); err != nil {
				continue
			}
			rows = append(rows, row{idx, m})
		}
	}
	if !hs.sen.exists {
		return hs, nil
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].idx < rows[j].idx })
	for _, r := range rows {
		if r.idx >= hs.sen.length {
			break
		}
		if getString(r.m, "ExecutionId") != hs.sen.execID {
			continue
		}
		if err := s.restoreLarge(ctx, r.m); err != nil {
			return nil, err
		}
		e, err := entityToEvent(r.m)
		if err != nil {
			return nil, fmt.Errorf("history row %s/%X: %w", pk, r.idx, err)
		}
		hs.events = append(hs.events, e)
	}
	if len(hs.events) != hs.sen.length {
		// Only a multi-batch replacement interrupted by a crash leaves
		// this (see docs/azure-storage.md).
		s.log.Warn("azurestorage: history shorter than its sentinel says", "instance", instanceID, "rows", len(hs.events), "length", hs.sen.length)
	}
	return hs, nil
}

func (s *Store) parseSentinel(ctx context.Context, m map[string]any, sen *sentinel) error {
	if err := s.restoreLarge(ctx, m); err != nil {
		return err
	}
	sen.exists = true
	if et, ok := m["odata.etag"].(string); ok {
		sen.etag = azcore.ETag(et)
	}
	sen.execID = getString(m, "ExecutionId")
	sen.length = getInt(m, "HistoryLength")
	sen.token = getString(m, "CheckpointToken")
	if c := getString(m, "Consumed"); c != "" {
		_ = json.Unmarshal([]byte(c), &sen.consumed)
	}
	if in := getString(m, "Instance"); in != "" {
		var inst store.Instance
		if err := json.Unmarshal([]byte(in), &inst); err == nil {
			sen.instance = &inst
		}
	}
	return nil
}

// readSentinel point-reads the sentinel row.
func (s *Store) readSentinel(ctx context.Context, instanceID string) (*sentinel, error) {
	resp, err := s.historyT.GetEntity(ctx, EscapeKey(instanceID), sentinelRowKey, nil)
	if err != nil {
		if isCode(err, 404) {
			return &sentinel{}, nil
		}
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(resp.Value, &m); err != nil {
		return nil, err
	}
	var sen sentinel
	if err := s.parseSentinel(ctx, m, &sen); err != nil {
		return nil, err
	}
	sen.etag = resp.ETag
	return &sen, nil
}

// instanceRow is a read Instances row.
type instanceRow struct {
	inst  *store.Instance
	etag  azcore.ETag
	token string
}

// readInstance point-reads an Instances row (nil when there is none).
func (s *Store) readInstance(ctx context.Context, instanceID string) (*instanceRow, error) {
	resp, err := s.instancesT.GetEntity(ctx, EscapeKey(instanceID), "", nil)
	if err != nil {
		if isCode(err, 404) {
			return nil, nil
		}
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(resp.Value, &m); err != nil {
		return nil, err
	}
	if err := s.restoreLarge(ctx, m); err != nil {
		return nil, err
	}
	return &instanceRow{inst: entityToInstance(m), etag: resp.ETag, token: getString(m, "CheckpointToken")}, nil
}

// instanceEntity builds an Instances row with large columns offloaded.
func (s *Store) instanceEntity(ctx context.Context, inst *store.Instance, token string) ([]byte, error) {
	m := s.instanceToEntity(inst, token)
	if err := s.offloadLarge(ctx, m, EscapeKey(inst.InstanceID)+"/instance-", true); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}

// writeInstance replaces an Instances row unconditionally.
func (s *Store) writeInstance(ctx context.Context, inst *store.Instance, token string) error {
	b, err := s.instanceEntity(ctx, inst, token)
	if err != nil {
		return err
	}
	_, err = s.instancesT.UpsertEntity(ctx, b, &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace})
	return err
}

// commitHistory writes events at rows base.. of execution execID and the
// sentinel, in entity-group transactions of at most 99 rows plus the
// sentinel, each conditional on the sentinel's ETag (or its absence). A
// lost race returns store.ErrWorkItemLost.
func (s *Store) commitHistory(ctx context.Context, instanceID string, sen *sentinel, base int, execID string, events []*history.Event, final map[string]any) (azcore.ETag, error) {
	pk := EscapeKey(instanceID)
	token := final["CheckpointToken"].(string)
	var batches [][]aztables.TransactionAction
	var cur []aztables.TransactionAction
	size := 0
	for i, e := range events {
		m, err := eventToEntity(e)
		if err != nil {
			return "", err
		}
		rk := rowKey(base + i)
		m["PartitionKey"], m["RowKey"], m["ExecutionId"] = pk, rk, execID
		if err := s.offloadLarge(ctx, m, pk+"/history-"+rk+"-"+e.EventType.String()+"-", false); err != nil {
			return "", err
		}
		b, err := json.Marshal(m)
		if err != nil {
			return "", err
		}
		if len(cur) == 99 || (len(cur) > 0 && size+len(b)*2 > 3<<20) {
			batches = append(batches, cur)
			cur, size = nil, 0
		}
		cur = append(cur, aztables.TransactionAction{ActionType: aztables.TransactionTypeInsertReplace, Entity: b})
		size += len(b)*2 + 1024
	}
	batches = append(batches, cur)
	etag, exists := sen.etag, sen.exists
	for bi, batch := range batches {
		var sm map[string]any
		if bi == len(batches)-1 {
			sm = final
		} else {
			sm = map[string]any{"CheckpointToken": token, "IsCheckpointComplete": false}
			if !exists {
				sm["ExecutionId"], sm["HistoryLength"] = execID, 0
			}
		}
		sm["PartitionKey"], sm["RowKey"] = pk, sentinelRowKey
		sb, err := json.Marshal(sm)
		if err != nil {
			return "", err
		}
		act := aztables.TransactionAction{ActionType: aztables.TransactionTypeAdd, Entity: sb}
		if exists {
			act = aztables.TransactionAction{ActionType: aztables.TransactionTypeUpdateMerge, Entity: sb, IfMatch: to.Ptr(etag)}
		}
		acts := append(batch, act)
		capt := &batchCapture{}
		_, err = s.historyT.SubmitTransaction(context.WithValue(ctx, batchCaptureKey{}, capt), acts, nil)
		if err == nil {
			// Every sub-request succeeded (the SDK fails on any status
			// >= 400): the sentinel's new ETag is in the last
			// sub-response, which the capture policy kept.
			if et, ok := lastBatchETag(capt.body, capt.contentType, len(acts)); ok {
				etag, exists = et, true
				continue
			}
		}
		// The SDK reports a failed sub-request with the batch's own status
		// (202), and we could not read the new ETag: re-read the sentinel
		// to learn what happened.
		now, rerr := s.readSentinel(ctx, instanceID)
		if rerr != nil {
			if err != nil {
				return "", err
			}
			return "", rerr
		}
		if now.exists && now.token == token {
			etag, exists = now.etag, true
			continue // applied (even if the response was lost)
		}
		if err == nil {
			return "", fmt.Errorf("azurestorage: history batch for %q applied but the sentinel does not show it: %w", instanceID, store.ErrWorkItemLost)
		}
		if now.exists != exists || (exists && now.etag != etag) {
			return "", fmt.Errorf("azurestorage: instance %q was written by another worker: %w", instanceID, store.ErrWorkItemLost)
		}
		return "", err
	}
	return etag, nil
}

// finalSentinel returns the sentinel columns of a commit's last batch.
func (s *Store) finalSentinel(ctx context.Context, instanceID, execID string, length int, token string, consumed []string, row *store.Instance, now time.Time) (map[string]any, error) {
	m := map[string]any{
		"ExecutionId":          execID,
		"HistoryLength":        length,
		"IsCheckpointComplete": true,
		"CheckpointToken":      token,
	}
	setTime(m, "CheckpointCompletedTimestamp", now)
	if len(consumed) > maxConsumed {
		consumed = consumed[len(consumed)-maxConsumed:]
	}
	cb, _ := json.Marshal(consumed)
	m["Consumed"] = string(cb)
	m["Instance"] = ""
	if row != nil {
		ib, _ := json.Marshal(row)
		m["Instance"] = string(ib)
	}
	for _, col := range largeColumns {
		if _, ok := m[col]; ok {
			m[col+"BlobName"] = ""
		}
	}
	if err := s.offloadLarge(ctx, m, EscapeKey(instanceID)+"/sentinel-", false); err != nil {
		return nil, err
	}
	return m, nil
}

var errNoRow = errors.New("no row")
