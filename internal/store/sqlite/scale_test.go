package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
	"github.com/godurable/durablefunctions/internal/store/storetest"
)

// scaleSizes are the hub sizes TestManagementAtScale fills: 10,000 in a
// normal run, and with DURABLE_SCALE=1 those of docs/benchmarks.md
// (DURABLE_SCALE_SIZES=10000,100000 picks others).
func scaleSizes() []int {
	if os.Getenv("DURABLE_SCALE") != "1" {
		return []int{10_000}
	}
	sizes := []int{10_000, 100_000, 1_000_000}
	if v := os.Getenv("DURABLE_SCALE_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(f)
			if err == nil && n >= 1000 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

// scaleRow is one hub size's figures (times are medians of reps).
type scaleRow struct {
	n                                      int
	fill                                   time.Duration
	get, first, deep, two, twoDeep, prefix time.Duration
	entities, entitiesDeep, window         time.Duration
	purge, p99Start, maxStart              time.Duration
	purged, starts, slowStarts             int
	longestBulk, longestPass               time.Duration // during the full purge
	dbBefore, walBefore, dbAfter, walAfter int64
	walMaxFill, walMaxPurge                int64
}

func TestManagementAtScale(t *testing.T) {
	var rows []scaleRow
	for _, n := range scaleSizes() {
		t.Run(fmt.Sprintf("%d instances", n), func(t *testing.T) { rows = append(rows, runScale(t, n)) })
	}
	var b strings.Builder
	b.WriteString("\n| N | get | first page | page 90% deep | 2 statuses (first / 90%) | prefix | entities (first / 90%) | purge 100-window | full purge | purged | start wait p99 / longest (starts, > 100 ms) | db before → after | WAL max fill / purge, after |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s / %s | %s | %s / %s | %s | %s | %d | %s / %s (%d, %d) | %s → %s | %s / %s, %s |\n",
			r.n, ms(r.get), ms(r.first), ms(r.deep), ms(r.two), ms(r.twoDeep), ms(r.prefix), ms(r.entities), ms(r.entitiesDeep),
			ms(r.window), r.purge.Round(10*time.Millisecond), r.purged, ms(r.p99Start), ms(r.maxStart), r.starts, r.slowStarts,
			mib(r.dbBefore), mib(r.dbAfter), mib(r.walMaxFill), mib(r.walMaxPurge), mib(r.walAfter))
	}
	t.Log(b.String())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// dbSize is the database's logical size: its pages, checkpointed into the
// file or still in the WAL.
func dbSize(t *testing.T, s *Store) int64 {
	var pages, size int64
	if err := s.rdb.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	return pages * size
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// walWatch samples the WAL file's size until stopped and returns its
// largest size.
func walWatch(path string) (stop func() int64) {
	done := make(chan struct{})
	result := make(chan int64)
	go func() {
		var top int64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			top = max(top, fileSize(path+"-wal"))
			select {
			case <-done:
				result <- top
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(done); return <-result }
}

// median runs f reps times and returns its median time.
func median(reps int, f func()) time.Duration {
	f() // warm the statement cache and the pages
	times := make([]time.Duration, reps)
	for i := range times {
		start := time.Now()
		f()
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	return times[reps/2]
}

func runScale(t *testing.T, n int) scaleRow {
	path := filepath.Join(t.TempDir(), "scale.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := scaleRow{n: n}
	stopWAL := walWatch(path)
	start := time.Now()
	fillHub(t, s, hubShape{n: n})
	r.fill = time.Since(start)
	r.walMaxFill = stopWAL()
	r.dbBefore, r.walBefore = dbSize(t, s), fileSize(path+"-wal")
	t.Logf("filled %d instances in %v; database %s, WAL %s (largest %s)", n, r.fill.Round(time.Millisecond), mib(r.dbBefore), mib(r.walBefore), mib(r.walMaxFill))
	measureReads(t, s, n, &r)
	measurePurges(t, s, path, n, &r)
	// The bound holds during bulk writes, not only after them.
	if top := max(r.walMaxFill, r.walMaxPurge); top > defaultWALLimit {
		t.Errorf("the WAL file reached %s (fill %s, purge %s); want it under its %s bound throughout", mib(top), mib(r.walMaxFill), mib(r.walMaxPurge), mib(defaultWALLimit))
	}
	return r
}

// list returns one page and checks it against the query's contract.
func list(t *testing.T, s *Store, q store.Query) *store.Page {
	t.Helper()
	p, err := s.ListInstances(context.Background(), &q)
	if err != nil {
		t.Fatalf("ListInstances(%+v): %v", q, err)
	}
	if !slices.IsSortedFunc(p.Instances, storekit.Compare(&q)) {
		t.Fatalf("ListInstances(%+v): page not in list order", q)
	}
	for _, in := range p.Instances {
		if !storekit.QueryMatches(&q, in) {
			t.Fatalf("ListInstances(%+v) returned %q (%v), which does not match", q, in.InstanceID, in.Status)
		}
	}
	return p
}

func fullPage(t *testing.T, what string, p *store.Page) {
	t.Helper()
	if len(p.Instances) != 100 || p.ContinuationToken == "" {
		t.Fatalf("%s: %d instances, token %q; want a full page of 100 and more to come", what, len(p.Instances), p.ContinuationToken)
	}
}

func measureReads(t *testing.T, s *Store, n int, r *scaleRow) {
	ctx := context.Background()
	const reps = 21
	k := 0
	r.get = median(reps, func() {
		k = (k + 7919) % n
		if in, err := s.GetInstance(ctx, storetest.HubID(k)); err != nil || in.InstanceID != storetest.HubID(k) {
			t.Fatalf("GetInstance(%q) = %v, %v", storetest.HubID(k), in, err)
		}
	})
	deep := n * 9 / 10
	deepToken := storekit.EncodeToken(storekit.Cursor{CreatedAt: storetest.HubCreated(deep), InstanceID: storetest.HubID(deep)})
	two := []history.RuntimeStatus{history.StatusCompleted, history.StatusFailed}
	pages := []struct {
		what string
		dst  *time.Duration
		q    store.Query
	}{
		{"first page", &r.first, store.Query{PageSize: 100}},
		{"page 90% deep", &r.deep, store.Query{PageSize: 100, ContinuationToken: deepToken}},
		{"two statuses", &r.two, store.Query{PageSize: 100, Statuses: two}},
		{"two statuses 90% deep", &r.twoDeep, store.Query{PageSize: 100, Statuses: two, ContinuationToken: deepToken}},
		{"entities", &r.entities, store.Query{PageSize: 100, Kind: store.OnlyEntities, InstanceIDPrefix: "@"}},
		{"entities 90% deep", &r.entitiesDeep, store.Query{PageSize: 100, Kind: store.OnlyEntities, InstanceIDPrefix: "@",
			ContinuationToken: storekit.EncodeToken(storekit.Cursor{InstanceID: "@counter@e6", ByID: true})}},
	}
	for _, pg := range pages {
		*pg.dst = median(reps, func() {
			p := list(t, s, pg.q)
			switch {
			case !strings.HasPrefix(pg.what, "entities"):
				fullPage(t, pg.what, p)
			case len(p.Instances) == 0:
				t.Fatalf("%s: empty page", pg.what)
			}
		})
	}
	r.prefix = median(reps, func() {
		p := list(t, s, store.Query{PageSize: 100, InstanceIDPrefix: "ab"})
		if len(p.Instances) < min(100, n/400) {
			t.Fatalf("prefix ab: %d instances", len(p.Instances))
		}
	})
}

func measurePurges(t *testing.T, s *Store, path string, n int, r *scaleRow) {
	ctx := context.Background()
	from, to, want := storetest.HubWindow(n / 2)
	start := time.Now()
	got, err := s.PurgeInstances(ctx, &store.PurgeFilter{CreatedFrom: from, CreatedTo: to})
	r.window = time.Since(start)
	if err != nil || got != want {
		t.Fatalf("purge of a 100-instance window = %d, %v; want %d", got, err, want)
	}
	finished := storetest.HubFinished(n)
	stopWAL := walWatch(path)
	stopStarts := startWhile(t, s)
	s.gate.longest.Store(0)
	s.gate.longestPass.Store(0)
	start = time.Now()
	r.purged, err = s.PurgeInstances(ctx, &store.PurgeFilter{})
	r.purge = time.Since(start)
	starts := stopStarts()
	r.longestBulk, r.longestPass = time.Duration(s.gate.longest.Load()), time.Duration(s.gate.longestPass.Load())
	r.starts = len(starts)
	if r.starts > 0 {
		r.p99Start, r.maxStart = starts[r.starts*99/100], starts[r.starts-1]
	}
	for _, d := range starts {
		if d > 100*time.Millisecond {
			r.slowStarts++
		}
	}
	r.walMaxPurge = stopWAL()
	if err != nil || r.purged != finished-want {
		t.Fatalf("full purge = %d, %v; want %d", r.purged, err, finished-want)
	}
	if _, err := s.GetInstance(ctx, storetest.HubID(2)); err == nil {
		t.Fatalf("instance %q is still there after the purge", storetest.HubID(2))
	}
	var left int
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM instances`).Scan(&left); err != nil || left != n-finished+r.starts {
		t.Fatalf("%d instances left (%v), want %d", left, err, n-finished+r.starts)
	}
	time.Sleep(2 * checkpointInterval) // let the checkpointer see the WAL
	r.dbAfter, r.walAfter = dbSize(t, s), fileSize(path+"-wal")
	if r.dbAfter > r.dbBefore/2 {
		t.Errorf("the database is %s after purging 99%% of its %s, want the space given back", mib(r.dbAfter), mib(r.dbBefore))
	}
	t.Logf("purged %d in %v; start p99 %v, longest %v of %d (%d over 100 ms); longest purge or vacuum request %v, checkpoint pass %v; database %s → %s, WAL largest %s, now %s",
		r.purged, r.purge.Round(time.Millisecond), r.p99Start, r.maxStart, r.starts, r.slowStarts, r.longestBulk, r.longestPass,
		mib(r.dbBefore), mib(r.dbAfter), mib(r.walMaxPurge), mib(r.walAfter))
}

// startWhile starts instances one after another, as a client would,
// until stopped; stop returns how long the starts took.
func startWhile(t *testing.T, s *Store) (stop func() []time.Duration) {
	var (
		took []time.Duration
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			id := fmt.Sprintf("new-%d", i)
			start := time.Now()
			err := s.CreateInstance(context.Background(), history.NewExecutionStarted(start, "Orch", id, id+"-1", "", nil, nil), store.CreateOptions{})
			if err != nil {
				t.Errorf("start during the purge: %v", err)
				return
			}
			took = append(took, time.Since(start))
		}
	}()
	return func() []time.Duration {
		close(done)
		wg.Wait()
		slices.Sort(took)
		return took
	}
}

// TestStartWaitsWithoutAPurge is the baseline for the start waits of the
// full purge: the same client, starting an instance every 2 ms for 60 s
// into an idle store, nothing else running in it. On a shared machine its
// longest wait says how much of a purge's is the machine's. Run with
// DURABLE_SCALE=1.
func TestStartWaitsWithoutAPurge(t *testing.T) {
	if os.Getenv("DURABLE_SCALE") != "1" {
		t.Skip("set DURABLE_SCALE=1")
	}
	s := openWith(t, filepath.Join(t.TempDir(), "baseline.db"))
	stop := startWhile(t, s)
	time.Sleep(60 * time.Second)
	starts := stop()
	slow := 0
	for _, d := range starts {
		if d > 100*time.Millisecond {
			slow++
		}
	}
	t.Logf("%d starts in 60 s without a purge: p99 %v, longest %v, %d over 100 ms", len(starts), starts[len(starts)*99/100], starts[len(starts)-1], slow)
}
