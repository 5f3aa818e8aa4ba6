package storetest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// listed is an instance as the paging tests expect to see it.
type listed struct {
	id      string
	created time.Time
	status  history.RuntimeStatus
}

// expect returns the ids of rows that pass keep, in the order the store
// lists q in.
func (e *env) expect(q store.Query, rows []listed, keep func(listed) bool) []string {
	var out []listed
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	byID := e.f.ListsByID || q.InstanceIDPrefix != "" || q.Kind == store.OnlyEntities
	slices.SortFunc(out, func(a, b listed) int {
		if c := a.created.Compare(b.created); c != 0 && !byID {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = r.id
	}
	return ids
}

// mixedHub creates n instances in four statuses, ids running against
// creation order and creation times tied in threes, and returns them.
func (e *env) mixedHub(n int) []listed {
	statuses := []history.RuntimeStatus{history.StatusCompleted, history.StatusFailed, history.StatusTerminated, history.StatusPending}
	var rows []listed
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			e.clk.Advance(time.Second)
		}
		id := fmt.Sprintf("m%03d", n-i)
		st := statuses[i%len(statuses)]
		if st == history.StatusPending {
			// Scheduled for tomorrow: Pending, and no work for finish.
			start := e.startEvent(id, id+"-1", "Orch", `"in"`)
			if err := e.b.CreateInstance(e.ctx, start, store.CreateOptions{VisibleAt: e.now().Add(24 * time.Hour)}); err != nil {
				e.t.Fatalf("CreateInstance(%q): %v", id, err)
			}
		} else {
			e.finish(id, st)
		}
		rows = append(rows, listed{id: id, created: e.now(), status: st})
	}
	return rows
}

// samePages lists q page by page and compares with want.
func (e *env) samePages(what string, q store.Query, want []string) {
	e.t.Helper()
	if got := e.list(q); !slices.Equal(got, want) {
		e.t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

var pagingTests = []test{
	{"ListInstances pages through several statuses in list order, each instance once", func(e *env) {
		rows := e.mixedHub(40)
		for _, statuses := range [][]history.RuntimeStatus{
			{history.StatusCompleted, history.StatusFailed},
			{history.StatusTerminated, history.StatusPending, history.StatusCompleted},
			{history.StatusFailed, history.StatusFailed},
		} {
			q := store.Query{Statuses: statuses, PageSize: 4}
			want := e.expect(q, rows, func(r listed) bool { return slices.Contains(statuses, r.status) })
			e.samePages(fmt.Sprintf("statuses %v", statuses), q, want)
		}
	}},
	{"ListInstances pages through a created-time window with several statuses", func(e *env) {
		rows := e.mixedHub(30)
		from, to := rows[7].created, rows[22].created
		statuses := []history.RuntimeStatus{history.StatusCompleted, history.StatusPending}
		q := store.Query{Statuses: statuses, CreatedFrom: from, CreatedTo: to, PageSize: 3}
		want := e.expect(q, rows, func(r listed) bool {
			return slices.Contains(statuses, r.status) && !r.created.Before(from) && !r.created.After(to)
		})
		e.samePages("window and statuses", q, want)
	}},
	{"ListInstances with an id prefix lists that prefix's instances in id order", func(e *env) {
		var rows []listed
		for i, id := range []string{"pb-2", "pa-9", "pa-1", "p-x", "pa-5", "pab", "pb-1", "pa-3", "q", "pa-7"} {
			e.clk.Advance(time.Second)
			st := history.StatusCompleted
			if i%2 == 1 {
				st = history.StatusFailed
			}
			e.finish(id, st)
			rows = append(rows, listed{id: id, created: e.now(), status: st})
		}
		q := store.Query{InstanceIDPrefix: "pa", PageSize: 2}
		e.samePages("prefix pa", q, e.expect(q, rows, func(r listed) bool { return strings.HasPrefix(r.id, "pa") }))
		q = store.Query{InstanceIDPrefix: "pa-", Statuses: []history.RuntimeStatus{history.StatusCompleted}, PageSize: 2}
		want := e.expect(q, rows, func(r listed) bool { return strings.HasPrefix(r.id, "pa-") && r.status == history.StatusCompleted })
		e.samePages("prefix pa- and Completed", q, want)
		e.samePages("prefix of entities on an orchestration query", store.Query{InstanceIDPrefix: "@"}, nil)
	}},
	{"ListInstances lists entities in id order, by name prefix too", func(e *env) {
		var rows []listed
		for _, id := range []string{"@counter@b", "@acct@2", "@counter@a", "@acct@10", "@counter@c"} {
			e.clk.Advance(time.Second)
			e.entity(id)
			rows = append(rows, listed{id: id, created: e.now(), status: history.StatusRunning})
		}
		e.finish("orch", history.StatusCompleted)
		q := store.Query{Kind: store.OnlyEntities, InstanceIDPrefix: "@", PageSize: 2}
		e.samePages("all entities", q, e.expect(q, rows, func(listed) bool { return true }))
		q = store.Query{Kind: store.OnlyEntities, PageSize: 2}
		e.samePages("entities without a prefix", q, e.expect(q, rows, func(listed) bool { return true }))
		q = store.Query{Kind: store.OnlyEntities, InstanceIDPrefix: "@counter@", PageSize: 2}
		e.samePages("one entity name", q, e.expect(q, rows, func(r listed) bool { return strings.HasPrefix(r.id, "@counter@") }))
	}},
}
