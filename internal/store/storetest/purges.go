package storetest

import (
	"fmt"
	"slices"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// finishedHub runs n instances to Completed or Failed, one a minute, with
// a Running instance in the middle, and returns the finished ones.
func (e *env) finishedHub(n int) []listed {
	var rows []listed
	for i := 0; i < n; i++ {
		e.clk.Advance(time.Minute)
		id := fmt.Sprintf("f%03d", i)
		st := history.StatusCompleted
		if i%4 == 3 {
			st = history.StatusFailed
		}
		e.finish(id, st)
		rows = append(rows, listed{id: id, created: e.now(), status: st})
		if i == n/2 {
			e.create("running")
			e.nextFor("running")
		}
	}
	return rows
}

// purgeLeaves purges f and checks the count and what is left.
func (e *env) purgeLeaves(what string, f store.PurgeFilter, purged int, left []string) {
	e.t.Helper()
	n, err := e.b.PurgeInstances(e.ctx, &f)
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
	if n != purged {
		e.t.Errorf("%s: purged %d, want %d", what, n, purged)
	}
	got := e.list(store.Query{Kind: store.AllInstances, PageSize: 1000})
	slices.Sort(got)
	slices.Sort(left)
	if !slices.Equal(got, left) {
		e.t.Errorf("%s: left\n %v\nwant\n %v", what, got, left)
	}
}

func idsOf(rows []listed, keep func(int, listed) bool) []string {
	var out []string
	for i, r := range rows {
		if keep(i, r) {
			out = append(out, r.id)
		}
	}
	return out
}

var purgeFilterTests = []test{
	{"PurgeInstances purges exactly a created-time window", func(e *env) {
		rows := e.finishedHub(40)
		from, to := rows[10].created, rows[29].created
		left := append(idsOf(rows, func(i int, _ listed) bool { return i < 10 || i > 29 }), "running")
		e.purgeLeaves("window", store.PurgeFilter{CreatedFrom: from, CreatedTo: to}, 20, left)
	}},
	{"PurgeInstances purges a window of one status and keeps the others", func(e *env) {
		rows := e.finishedHub(24)
		from, to := rows[4].created, rows[19].created
		inWindowFailed := func(i int, r listed) bool { return i >= 4 && i <= 19 && r.status == history.StatusFailed }
		left := append(idsOf(rows, func(i int, r listed) bool { return !inWindowFailed(i, r) }), "running")
		f := store.PurgeFilter{CreatedFrom: from, CreatedTo: to, Statuses: []history.RuntimeStatus{history.StatusFailed}}
		e.purgeLeaves("failed in window", f, 4, left)
	}},
	{"PurgeInstances by completion time purges what finished before it, whatever the status", func(e *env) {
		rows := e.finishedHub(30)
		cut := rows[12].created // each instance finished when it was created
		left := append(idsOf(rows, func(i int, _ listed) bool { return i >= 12 }), "running")
		e.purgeLeaves("finished before the cut", store.PurgeFilter{Kind: store.OnlyOrchestrations, CompletedTo: cut}, 12, left)
	}},
	{"PurgeInstances purges hundreds of instances in one call and leaves active ones", func(e *env) {
		rows := e.finishedHub(150)
		e.entity("@e@k")
		e.purgeLeaves("everything finished", store.PurgeFilter{}, len(rows), []string{"running", "@e@k"})
		for _, r := range rows[:3] {
			e.notFound(r.id)
		}
	}},
}
