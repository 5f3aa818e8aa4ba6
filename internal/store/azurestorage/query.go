package azurestorage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
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

// The Instances table has one row per instance, keyed by the escaped
// instance id. The table service can serve its rows only in key order,
// so every page is in PartitionKey order, as the Durable Task Framework's
// provider pages; filters are evaluated by the service and paging uses the
// service's own continuation keys, so a page costs the same wherever it
// lies. See docs/azure-storage.md.

// maxListRequests bounds the queries one page makes: the service may
// return short or empty segments (it stops at 1,000 rows, after 5 s or at
// a partition boundary), and a page asks for more until it is full or
// this many segments were read. Then it ends short, with a token.
const maxListRequests = 4

// summaryColumns are the Instances columns read without payloads.
const summaryColumns = "PartitionKey,RowKey,Name,RuntimeStatus,CreatedTime,LastUpdatedTime,CompletedTime,ScheduledStartTime,ExecutionId,FailureDetails,ParentInstanceId,ParentExecutionId,FailureDetailsBlobName"

// filterBuilder collects OData conditions.
type filterBuilder []string

func (f *filterBuilder) add(cond string) { *f = append(*f, cond) }

func (f filterBuilder) String() string { return strings.Join(f, " and ") }

func (f *filterBuilder) kind(k store.InstanceKind) {
	switch k {
	case store.OnlyEntities:
		f.add("PartitionKey ge '@' and PartitionKey lt 'A'")
	case store.OnlyOrchestrations:
		f.add("(PartitionKey lt '@' or PartitionKey ge 'A')")
	}
}

func (f *filterBuilder) prefix(prefix string) {
	if prefix != "" {
		pk := EscapeKey(prefix)
		f.add("PartitionKey ge " + odataString(pk) + " and PartitionKey lt " + odataString(pk+"\uffff"))
	}
}

func (f *filterBuilder) created(from, to time.Time) {
	if !from.IsZero() {
		f.add("CreatedTime ge datetime'" + formatTime(from) + "'")
	}
	if !to.IsZero() {
		f.add("CreatedTime le datetime'" + formatTime(to) + "'")
	}
}

func (f *filterBuilder) statuses(statuses []history.RuntimeStatus) {
	if len(statuses) == 0 {
		return
	}
	or := make([]string, len(statuses))
	for i, st := range statuses {
		or[i] = "RuntimeStatus eq " + odataString(st.String())
	}
	f.add("(" + strings.Join(or, " or ") + ")")
}

// listFilter is the server-side filter of q: all of it.
func listFilter(q *store.Query) string {
	var f filterBuilder
	f.kind(q.Kind)
	f.prefix(q.InstanceIDPrefix)
	f.created(q.CreatedFrom, q.CreatedTo)
	f.statuses(q.Statuses)
	return f.String()
}

// segment is one query response of the Instances table.
type segment struct {
	entities          []map[string]any
	nextPart, nextRow string
	more              bool
}

// querySegment reads one segment of at most top rows (0: the service's
// limit) matching filter, starting at the continuation keys (none: the
// start).
func (s *Store) querySegment(ctx context.Context, filter, sel string, top int, part, row string) (*segment, error) {
	opts := &aztables.ListEntitiesOptions{}
	if filter != "" {
		opts.Filter = &filter
	}
	if sel != "" {
		opts.Select = &sel
	}
	if top > 0 {
		opts.Top = to.Ptr(int32(top))
	}
	if part != "" {
		opts.NextPartitionKey = &part
	}
	if row != "" {
		opts.NextRowKey = &row
	}
	resp, err := s.instancesT.NewListEntitiesPager(opts).NextPage(ctx)
	if err != nil {
		return nil, err
	}
	seg := &segment{entities: make([]map[string]any, 0, len(resp.Entities))}
	for _, raw := range resp.Entities {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		seg.entities = append(seg.entities, m)
	}
	if resp.NextPartitionKey != nil {
		seg.nextPart = *resp.NextPartitionKey
	}
	if resp.NextRowKey != nil {
		seg.nextRow = *resp.NextRowKey
	}
	seg.more = seg.nextPart != "" || seg.nextRow != ""
	return seg, nil
}

// ListInstances returns one page of instances in PartitionKey (escaped
// id) order, filtered by the table service, resuming at the service's
// continuation keys. A page may be short and still have a token.
func (s *Store) ListInstances(ctx context.Context, q *store.Query) (*store.Page, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if q == nil {
		q = &store.Query{}
	}
	part, row, _, err := storekit.DecodeTableToken(q.ContinuationToken)
	if err != nil {
		return nil, err
	}
	sel := ""
	if !q.WithPayloads {
		sel = summaryColumns
	}
	size := storekit.PageSize(q)
	filter := listFilter(q)
	page := &store.Page{Instances: []*store.Instance{}}
	for range maxListRequests {
		seg, err := s.querySegment(ctx, filter, sel, size-len(page.Instances), part, row)
		if err != nil {
			return nil, fmt.Errorf("azurestorage: list instances: %w", err)
		}
		for _, m := range seg.entities {
			if q.WithPayloads {
				if err := s.restoreLarge(ctx, m); err != nil {
					return nil, fmt.Errorf("azurestorage: list instances: %w", err)
				}
			}
			if in := entityToInstance(m); storekit.QueryMatches(q, in) {
				page.Instances = append(page.Instances, in)
			}
		}
		if !seg.more {
			return page, nil
		}
		part, row = seg.nextPart, seg.nextRow
		if len(page.Instances) >= size {
			break
		}
	}
	page.ContinuationToken = storekit.EncodeTableToken(part, row)
	return page, nil
}
