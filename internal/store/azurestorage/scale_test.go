package azurestorage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

// azureScaleSizes are the hub sizes TestManagementAtScaleOnAzurite fills:
// 500 in a normal run (Azurite takes about 2 ms a request), and with
// DURABLE_SCALE=1 those of docs/benchmarks.md (DURABLE_SCALE_AZURE_SIZES
// picks others).
func azureScaleSizes() []int {
	if os.Getenv("DURABLE_SCALE") != "1" {
		return []int{500}
	}
	sizes := []int{10_000, 100_000}
	if v := os.Getenv("DURABLE_SCALE_AZURE_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(f); err == nil && n >= 1000 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

// fillHub writes n instances of storetest's hub shape: each Instances row
// with one write, each finished instance's history and sentinel with one
// entity-group transaction, 32 at a time.
func fillHub(tb testing.TB, s *Store, n int) {
	tb.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := s.fillOne(context.Background(), i); err != nil {
					select {
					case errs <- fmt.Errorf("instance %d: %w", i, err):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		tb.Fatalf("fill: %v", err)
	default:
	}
}

func (s *Store) fillOne(ctx context.Context, i int) error {
	row := storetest.HubRow(i)
	if row.Status.IsTerminal() {
		if err := s.fillHistory(ctx, row); err != nil {
			return err
		}
	}
	b, err := json.Marshal(s.instanceToEntity(row, "fill"))
	if err != nil {
		return err
	}
	_, err = s.instancesT.UpsertEntity(ctx, b, &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace})
	return err
}

func (s *Store) fillHistory(ctx context.Context, row *store.Instance) error {
	pk := EscapeKey(row.InstanceID)
	events := storetest.HubHistory(row)
	var acts []aztables.TransactionAction
	for seq, e := range events {
		m, err := eventToEntity(e)
		if err != nil {
			return err
		}
		m["PartitionKey"], m["RowKey"], m["ExecutionId"] = pk, rowKey(seq), row.ExecutionID
		b, _ := json.Marshal(m)
		acts = append(acts, aztables.TransactionAction{ActionType: aztables.TransactionTypeInsertReplace, Entity: b})
	}
	sb, _ := json.Marshal(map[string]any{"PartitionKey": pk, "RowKey": sentinelRowKey, "ExecutionId": row.ExecutionID,
		"HistoryLength": len(events), "IsCheckpointComplete": true, "CheckpointToken": "fill"})
	acts = append(acts, aztables.TransactionAction{ActionType: aztables.TransactionTypeInsertReplace, Entity: sb})
	_, err := s.historyT.SubmitTransaction(ctx, acts, nil)
	return err
}

// azureRow is one hub size's figures: times, and table requests per call.
type azureRow struct {
	n                  int
	fill               time.Duration
	cells              []string
	purge              time.Duration
	purged             int
	purgeReqs, winReqs int64
	window             time.Duration
}

func TestManagementAtScaleOnAzurite(t *testing.T) {
	var rows []azureRow
	for _, n := range azureScaleSizes() {
		t.Run(fmt.Sprintf("%d instances", n), func(t *testing.T) { rows = append(rows, runAzureScale(t, n)) })
	}
	var b strings.Builder
	b.WriteString("\n| N | fill | get | first page | page 90% deep | 2 statuses | prefix | entities | purge 100-window | full purge |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %s | %s | %s (%d req) | %d in %s (%.1f req/instance, %.0f instances/s) |\n", r.n, r.fill.Round(time.Second),
			strings.Join(r.cells, " | "), r.window.Round(time.Millisecond), r.winReqs, r.purged,
			r.purge.Round(100*time.Millisecond), float64(r.purgeReqs)/float64(r.purged), float64(r.purged)/r.purge.Seconds())
	}
	t.Log(b.String())
}

// tableRequests runs f and returns how many table requests it made.
func tableRequests(s *Store, f func()) int64 {
	count := func() int64 {
		st := s.Stats()
		return st["table.read"] + st["table.write"] + st["table.batch"] + st["table.delete"]
	}
	before := count()
	f()
	return count() - before
}

// privateAzurite starts an Azurite of the test's own that keeps its data in
// memory: the package's shared one holds every other test's hubs, and
// writes its whole database to disk every few seconds, which on a big hub
// is most of its time.
func privateAzurite(t *testing.T) *azurite.Instance {
	inst, err := azurite.StartWith(azurite.Options{InMemory: true})
	if err != nil {
		if azurite.Required() {
			t.Fatalf("Azurite is required but did not start: %v", err)
		}
		t.Skipf("SKIPPED: Azurite unavailable: %v", err)
	}
	t.Cleanup(func() { _ = inst.Close() })
	return inst
}

func runAzureScale(t *testing.T, n int) azureRow {
	cfg := testConfig(t, uniqueHub(), nil)
	cfg.Connection = Connection{ConnectionString: privateAzurite(t).ConnectionString()}
	s := openTest(t, cfg)
	defer s.Close()
	r := azureRow{n: n}
	start := time.Now()
	fillHub(t, s, n)
	r.fill = time.Since(start)
	t.Logf("filled %d instances in %v", n, r.fill.Round(time.Millisecond))
	r.cells = append(r.cells, timedCall(t, s, "get", func() {
		if _, err := s.GetInstance(context.Background(), storetest.HubID(n/3)); err != nil {
			t.Fatal(err)
		}
	}))
	// The service's continuation keys are opaque; Azurite's are the
	// next key in base64.
	deep := storekit.EncodeTableToken(base64StdEncode([]byte(EscapeKey(deepID(n)))), "")
	two := []history.RuntimeStatus{history.StatusCompleted, history.StatusFailed}
	for _, pg := range []struct {
		what string
		q    store.Query
		full bool
	}{
		{"first page", store.Query{PageSize: 100}, true},
		{"page 90% deep", store.Query{PageSize: 100, ContinuationToken: deep}, n >= 2000},
		{"two statuses", store.Query{PageSize: 100, Statuses: two}, true},
		{"prefix", store.Query{PageSize: 100, InstanceIDPrefix: "ab"}, false},
		{"entities", store.Query{PageSize: 100, Kind: store.OnlyEntities, InstanceIDPrefix: "@"}, false},
	} {
		r.cells = append(r.cells, timedCall(t, s, pg.what, func() { azureList(t, s, pg.q, pg.full) }))
	}
	measureAzurePurges(t, s, n, &r)
	return r
}

// deepID is the id 90% of the way through the hub's id order.
func deepID(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = storetest.HubID(i)
	}
	slices.Sort(ids)
	return ids[n*9/10]
}

// timedCall runs f a few times and returns "median (requests per call)".
func timedCall(t *testing.T, s *Store, what string, f func()) string {
	t.Helper()
	const reps = 5
	times := make([]time.Duration, reps)
	var reqs int64
	for i := range times {
		start := time.Now()
		reqs = tableRequests(s, f)
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	t.Logf("%s: %v, %d table requests", what, times[reps/2].Round(time.Millisecond), reqs)
	return fmt.Sprintf("%s (%d req)", times[reps/2].Round(time.Millisecond), reqs)
}

// azureList lists one page and checks it against the query.
func azureList(t *testing.T, s *Store, q store.Query, full bool) {
	t.Helper()
	p, err := s.ListInstances(context.Background(), &q)
	if err != nil {
		t.Fatalf("ListInstances(%+v): %v", q, err)
	}
	if !slices.IsSortedFunc(p.Instances, storekit.CompareIDs) {
		t.Fatalf("ListInstances(%+v): page not in id order", q)
	}
	for _, in := range p.Instances {
		if !storekit.QueryMatches(&q, in) {
			t.Fatalf("ListInstances(%+v) returned %q (%v), which does not match", q, in.InstanceID, in.Status)
		}
	}
	if full && len(p.Instances) != 100 {
		t.Fatalf("ListInstances(%+v): %d instances, want a full page", q, len(p.Instances))
	}
	if len(p.Instances) == 0 {
		t.Fatalf("ListInstances(%+v): empty page", q)
	}
}

func measureAzurePurges(t *testing.T, s *Store, n int, r *azureRow) {
	ctx := context.Background()
	from, to, want := storetest.HubWindow(n / 2)
	var got int
	var err error
	start := time.Now()
	r.winReqs = tableRequests(s, func() { got, err = s.PurgeInstances(ctx, &store.PurgeFilter{CreatedFrom: from, CreatedTo: to}) })
	r.window = time.Since(start)
	if err != nil || got != want {
		t.Fatalf("purge of a 100-instance window = %d, %v; want %d", got, err, want)
	}
	// Azurite answers every query by scanning the whole table, so its
	// History queries slow down as the table grows (about 9 ms at 6,000
	// instances, seconds at 100,000): past 20,000 instances only the first
	// 1,000 are purged, for the rate.
	limit, wantAll := 0, storetest.HubFinished(n)-want
	if n > 20_000 {
		limit, wantAll = 1000, 1000
	}
	start = time.Now()
	r.purgeReqs = tableRequests(s, func() { r.purged, err = s.PurgeInstances(ctx, &store.PurgeFilter{MaxInstances: limit}) })
	r.purge = time.Since(start)
	if err != nil || r.purged != wantAll {
		t.Fatalf("purge = %d, %v; want %d", r.purged, err, wantAll)
	}
	t.Logf("purged %d in %v with %d table requests", r.purged, r.purge.Round(time.Millisecond), r.purgeReqs)
	if limit > 0 {
		return
	}
	p, err := s.ListInstances(ctx, &store.Query{Kind: store.AllInstances, PageSize: 1000})
	if err != nil || len(p.Instances) != n-storetest.HubFinished(n) {
		t.Fatalf("after the purge %d instances are listed (%v), want %d", len(p.Instances), err, n-storetest.HubFinished(n))
	}
}
