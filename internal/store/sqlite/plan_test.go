package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/storekit"
)

// plan returns the EXPLAIN QUERY PLAN lines of st.
func plan(t *testing.T, s *Store, st selectSQL) []string {
	t.Helper()
	rows, err := s.rdb.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+st.text, st.args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", st.text, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}

// checkPlan fails unless st reads a range of its index in the index's
// order: no scan of the table, no other index, no sort.
func checkPlan(t *testing.T, s *Store, name string, st selectSQL) {
	t.Helper()
	lines := plan(t, s, st)
	want := "SEARCH instances USING INDEX " + st.index + " ("
	if st.index == pkIndex {
		want = "SEARCH instances USING INDEX " + pkIndex + " (id>"
	}
	t.Logf("%s: %q", name, lines)
	if len(lines) != 1 || !strings.HasPrefix(strings.Replace(lines[0], "COVERING INDEX", "INDEX", 1), want) {
		t.Errorf("%s: plan %q, want one line starting %q\n  %s", name, lines, want, st.text)
	}
}

func openPlanStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestEveryManagementQueryReadsAnIndexRangeInOrder(t *testing.T) {
	s := openPlanStore(t)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	two := []history.RuntimeStatus{history.StatusCompleted, history.StatusFailed}
	lists := map[string]store.Query{
		"no filter":                  {},
		"all kinds":                  {Kind: store.AllInstances},
		"created from":               {CreatedFrom: t0},
		"created to":                 {CreatedTo: t0},
		"created window":             {CreatedFrom: t0, CreatedTo: t0.Add(time.Hour)},
		"one status":                 {Statuses: two[:1]},
		"two statuses":               {Statuses: two},
		"statuses in a window":       {Statuses: two, CreatedFrom: t0, CreatedTo: t0.Add(time.Hour), Kind: store.AllInstances},
		"id prefix":                  {InstanceIDPrefix: "ab"},
		"id prefix and filters":      {InstanceIDPrefix: "ab", Statuses: two, CreatedFrom: t0, CreatedTo: t0.Add(time.Hour)},
		"entities":                   {Kind: store.OnlyEntities},
		"entities of one name":       {Kind: store.OnlyEntities, InstanceIDPrefix: "@counter@", WithPayloads: true},
		"entity prefix on all kinds": {Kind: store.AllInstances, InstanceIDPrefix: "@counter@"},
	}
	for name, q := range lists {
		for _, resume := range []bool{false, true} {
			cur := storekit.Cursor{CreatedAt: t0.Add(time.Minute), InstanceID: "ab12", ByID: storekit.KeyOrdered(&q)}
			if q.InstanceIDPrefix != "" {
				cur.InstanceID = q.InstanceIDPrefix + "5"
			}
			for i, st := range listStatements(&q, cur, resume, 101) {
				if name == "no filter" || name == "all kinds" {
					if !resume {
						continue // a walk from the start of the index; checked below
					}
				}
				checkPlan(t, s, fmt.Sprintf("list %s (resume %v, statement %d)", name, resume, i), st)
			}
		}
	}
	for _, q := range []store.Query{{}, {Kind: store.AllInstances}} {
		st := listStatements(&q, storekit.Cursor{}, false, 101)[0]
		if lines := plan(t, s, st); len(lines) != 1 || lines[0] != "SCAN instances USING INDEX "+createdIndex {
			t.Errorf("first page without filters: plan %q, want a walk of %s in order", lines, createdIndex)
		}
	}
	purges := map[string]store.PurgeFilter{
		"everything":              {},
		"statuses":                {Statuses: two},
		"created window":          {CreatedFrom: t0, CreatedTo: t0.Add(time.Hour)},
		"created to, one kind":    {CreatedTo: t0, Kind: store.OnlyOrchestrations},
		"finished before":         {CompletedTo: t0, Kind: store.OnlyOrchestrations},
		"finished before, window": {CompletedTo: t0, CreatedFrom: t0.Add(-time.Hour)},
	}
	for name, f := range purges {
		statuses := storekit.PurgeStatuses(&f)
		for i, stream := range purgeStreams(&f, statuses) {
			checkPlanOrWalk(t, s, fmt.Sprintf("purge %s (stream %d)", name, i), stream.statement(&f, statuses, 100))
			stream.started, stream.key, stream.id = true, t0.UnixNano(), "ab12"
			checkPlan(t, s, fmt.Sprintf("purge %s (stream %d, resumed)", name, i), stream.statement(&f, statuses, 100))
		}
	}
}

// checkPlanOrWalk accepts an equality-only search of the status index
// (the start of one status's range) as well as a range.
func checkPlanOrWalk(t *testing.T, s *Store, name string, st selectSQL) {
	t.Helper()
	lines := plan(t, s, st)
	if len(lines) == 1 && strings.HasSuffix(lines[0], "INDEX "+statusIndex+" (status=?)") {
		return
	}
	checkPlan(t, s, name, st)
}
