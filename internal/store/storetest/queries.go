package storetest

import (
	"slices"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// entity gives entity id a Running row through its first work item.
func (e *env) entity(id string) {
	e.t.Helper()
	e.send(e.raise(id, "op", `{}`))
	wi := e.next(store.Entities)
	row := e.row(wi, history.StatusRunning)
	row.ExecutionID = id + "-1"
	row.CreatedAt = e.now()
	e.commit(wi, &store.OrchestrationCommit{Instance: row, NewHistory: e.episode(wi)})
}

// list returns the ids of every page of q, in order.
func (e *env) list(q store.Query) []string {
	e.t.Helper()
	var out []string
	for pages := 0; ; pages++ {
		if pages > 2000 {
			e.t.Fatal("ListInstances never ends")
		}
		p, err := e.b.ListInstances(e.ctx, &q)
		if err != nil {
			e.t.Fatalf("ListInstances(%+v): %v", q, err)
		}
		if q.PageSize > 0 && len(p.Instances) > q.PageSize {
			e.t.Fatalf("page of %d, PageSize %d", len(p.Instances), q.PageSize)
		}
		for _, inst := range p.Instances {
			out = append(out, inst.InstanceID)
		}
		if p.ContinuationToken == "" {
			return out
		}
		q.ContinuationToken = p.ContinuationToken
	}
}

var queryTests = []test{
	{"GetInstance and GetHistory return ErrNotFound for unknown ids", func(e *env) {
		e.notFound("nope")
		e.send(e.raise("queued-only", "e", "")) // messages alone make no instance
		e.notFound("queued-only")
	}},
	{"GetInstance returns the committed row", func(e *env) {
		e.create("g")
		wi := e.nextFor("g")
		e.clk.Advance(time.Second)
		row := e.row(wi, history.StatusFailed)
		row.Output = ""
		row.Failure = &history.FailureDetails{ErrorType: "E", ErrorMessage: "bad", StackTrace: "at x"}
		row.CustomStatus = `{"step":2}`
		e.commit(wi, &store.OrchestrationCommit{Instance: row, NewHistory: e.episode(wi)})
		e.sameRow(e.instance("g"), row)
	}},
	{"ListInstances filters by kind, creation time, status and id prefix", func(e *env) {
		t0 := e.now()
		e.finish("a-done", history.StatusCompleted) // t0
		e.clk.Advance(time.Minute)
		e.finish("a-failed", history.StatusFailed) // t0+1m
		e.clk.Advance(time.Minute)
		e.create("b-pending") // t0+2m
		e.clk.Advance(time.Minute)
		e.entity("@counter@x") // t0+3m
		all := []string{"a-done", "a-failed", "b-pending", "@counter@x"}
		cases := []struct {
			name string
			q    store.Query
			want []string
		}{
			{"no filter lists orchestrations", store.Query{}, all[:3]},
			{"entities only", store.Query{Kind: store.OnlyEntities}, all[3:]},
			{"all kinds", store.Query{Kind: store.AllInstances}, all},
			{"created from (inclusive)", store.Query{Kind: store.AllInstances, CreatedFrom: t0.Add(time.Minute)}, all[1:]},
			{"created to (inclusive)", store.Query{Kind: store.AllInstances, CreatedTo: t0.Add(time.Minute)}, all[:2]},
			{"created window", store.Query{Kind: store.AllInstances, CreatedFrom: t0.Add(30 * time.Second), CreatedTo: t0.Add(150 * time.Second)}, all[1:3]},
			{"statuses", store.Query{Statuses: []history.RuntimeStatus{history.StatusCompleted, history.StatusPending}}, []string{"a-done", "b-pending"}},
			{"running entity", store.Query{Kind: store.AllInstances, Statuses: []history.RuntimeStatus{history.StatusRunning}}, all[3:]},
			{"id prefix", store.Query{InstanceIDPrefix: "a-"}, all[:2]},
			{"entity prefix", store.Query{Kind: store.OnlyEntities, InstanceIDPrefix: "@counter@"}, all[3:]},
			{"nothing matches", store.Query{InstanceIDPrefix: "zzz"}, nil},
		}
		for _, tc := range cases {
			want := tc.want
			if e.f.ListsByID {
				want = slices.Sorted(slices.Values(want))
			}
			if got := e.list(tc.q); !slices.Equal(got, want) {
				e.t.Errorf("%s: got %v, want %v", tc.name, got, want)
			}
		}
		p, err := e.b.ListInstances(e.ctx, &store.Query{InstanceIDPrefix: "a-done", WithPayloads: true})
		if err != nil || len(p.Instances) != 1 || p.Instances[0].Output != `"out"` || p.Instances[0].Input != `"in"` {
			e.t.Fatalf("WithPayloads: %v %+v, want the payloads of a-done", err, p)
		}
	}},
	{"ListInstances pages through 1,000 instances returning each exactly once in order", func(e *env) {
		want := ids(1000, "p")
		// Shuffle creation order against id order, with ties on CreatedAt.
		order := slices.Clone(want)
		slices.SortFunc(order, func(a, b string) int { return strings.Compare(a[len(a)-2:]+a, b[len(b)-2:]+b) })
		group := map[string]int{}
		for i, id := range order {
			if i%3 == 0 {
				e.clk.Advance(time.Millisecond)
			}
			group[id] = i / 3
			e.create(id)
		}
		// List order: creation time, then id.
		slices.SortStableFunc(order, func(a, b string) int {
			if group[a] != group[b] {
				return group[a] - group[b]
			}
			return strings.Compare(a, b)
		})
		for _, size := range []int{0, 37, 1000} {
			p, err := e.b.ListInstances(e.ctx, &store.Query{PageSize: size})
			if err != nil {
				e.t.Fatal(err)
			}
			if size == 0 && len(p.Instances) > 100 {
				e.t.Fatalf("default page has %d instances, want at most 100", len(p.Instances))
			}
			got := e.list(store.Query{PageSize: size})
			if len(got) != len(want) {
				e.t.Fatalf("page size %d: listed %d instances, want %d", size, len(got), len(want))
			}
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					e.t.Fatalf("page size %d: %s listed twice", size, id)
				}
				seen[id] = true
			}
			if e.f.ListsByID {
				order = slices.Sorted(slices.Values(order))
			}
			if !slices.Equal(got, order) {
				e.t.Fatalf("page size %d: not in the store's list order", size)
			}
		}
		if got := e.list(store.Query{PageSize: 50, InstanceIDPrefix: "p00"}); len(got) != 100 {
			e.t.Fatalf("prefix p00 listed %d, want 100", len(got))
		}
	}},
	{"ListInstances rejects a bad continuation token with ErrInvalidQuery", func(e *env) {
		e.create("x")
		for _, tok := range []string{"garbage!", "bm90IGEgdG9rZW4"} {
			_, err := e.b.ListInstances(e.ctx, &store.Query{ContinuationToken: tok})
			e.isErr("ListInstances with token "+tok, err, store.ErrInvalidQuery)
		}
	}},
}

var purgeTests = []test{
	{"PurgeInstance deletes the row, the history and the queued messages", func(e *env) {
		e.finish("p", history.StatusCompleted)
		e.send(e.raise("p", "late", ""))
		if err := e.b.PurgeInstance(e.ctx, "p"); err != nil {
			e.t.Fatal(err)
		}
		e.notFound("p")
		e.noWork(store.Orchestrations)
		e.isErr("second purge", e.b.PurgeInstance(e.ctx, "p"), store.ErrNotFound)
		e.isErr("purge of an unknown id", e.b.PurgeInstance(e.ctx, "never"), store.ErrNotFound)
		if got := e.list(store.Query{}); len(got) != 0 {
			e.t.Fatalf("listed %v after purge", got)
		}
		e.create("p") // the id is free again
		e.nextFor("p")
	}},
	{"PurgeInstance makes a held work item's commit fail with ErrWorkItemLost", func(e *env) {
		e.create("h")
		wi := e.nextFor("h")
		if err := e.b.PurgeInstance(e.ctx, "h"); err != nil {
			e.t.Fatal(err)
		}
		err := e.b.CompleteOrchestrationWorkItem(e.ctx, wi, &store.OrchestrationCommit{Instance: e.row(wi, history.StatusRunning), NewHistory: e.episode(wi)})
		e.isErr("commit after purge", err, store.ErrWorkItemLost)
		e.notFound("h")
	}},
	{"PurgeInstances deletes only finished instances matching the filter", func(e *env) {
		e.finish("c1", history.StatusCompleted)
		e.clk.Advance(time.Hour)
		e.finish("f1", history.StatusFailed)
		e.clk.Advance(time.Hour)
		e.finish("t1", history.StatusTerminated)
		e.clk.Advance(time.Hour)
		e.create("run")
		e.nextFor("run")
		e.clk.Advance(time.Hour)
		e.finish("c2", history.StatusCompleted)
		e.clk.Advance(time.Hour)
		e.entity("@e@k")

		n, err := e.b.PurgeInstances(e.ctx, &store.PurgeFilter{Statuses: []history.RuntimeStatus{history.StatusRunning, history.StatusPending}})
		if err != nil {
			e.t.Fatal(err)
		}
		// Non-terminal statuses are ignored, so the filter means all four
		// finished ones.
		if n != 4 {
			e.t.Fatalf("purged %d, want 4 (every finished orchestration)", n)
		}
		for _, id := range []string{"c1", "f1", "t1", "c2"} {
			e.notFound(id)
		}
		e.instance("run")
		e.instance("@e@k")
	}},
	{"PurgeInstances applies created, completed, status and id filters and returns the count", func(e *env) {
		t0 := e.now()
		e.finish("c1", history.StatusCompleted) // t0
		e.clk.Advance(time.Hour)
		e.finish("f1", history.StatusFailed) // t0+1h
		e.clk.Advance(time.Hour)
		e.finish("c2", history.StatusCompleted) // t0+2h
		e.clk.Advance(time.Hour)
		e.finish("c3", history.StatusCompleted) // t0+3h
		e.clk.Advance(time.Hour)
		e.finish("c4", history.StatusCompleted) // t0+4h
		e.clk.Advance(time.Hour)
		e.create("run")

		steps := []struct {
			name   string
			f      store.PurgeFilter
			purged []string
		}{
			{"completed before t0+30m (retention)", store.PurgeFilter{CompletedTo: t0.Add(30 * time.Minute)}, []string{"c1"}},
			{"status Failed", store.PurgeFilter{Statuses: []history.RuntimeStatus{history.StatusFailed}}, []string{"f1"}},
			{"created window", store.PurgeFilter{CreatedFrom: t0.Add(90 * time.Minute), CreatedTo: t0.Add(150 * time.Minute)}, []string{"c2"}},
			{"listed ids", store.PurgeFilter{InstanceIDs: []string{"c4", "run"}}, []string{"c4"}},
			{"entities only", store.PurgeFilter{Kind: store.OnlyEntities}, nil},
			{"everything left", store.PurgeFilter{Kind: store.AllInstances}, []string{"c3"}},
		}
		for _, s := range steps {
			n, err := e.b.PurgeInstances(e.ctx, &s.f)
			if err != nil {
				e.t.Fatalf("%s: %v", s.name, err)
			}
			if n != len(s.purged) {
				e.t.Fatalf("%s: purged %d, want %d", s.name, n, len(s.purged))
			}
			for _, id := range s.purged {
				e.notFound(id)
			}
		}
		e.instance("run")
	}},
	{"PurgeInstances stops after MaxInstances", func(e *env) {
		for _, id := range ids(5, "m") {
			e.finish(id, history.StatusCompleted)
		}
		n, err := e.b.PurgeInstances(e.ctx, &store.PurgeFilter{MaxInstances: 2})
		if err != nil || n != 2 {
			e.t.Fatalf("PurgeInstances = %d, %v; want 2", n, err)
		}
		if got := e.list(store.Query{}); len(got) != 3 {
			e.t.Fatalf("%d left, want 3", len(got))
		}
	}},
}
