package redis

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// A commit does not read the row's status and index members again: it
// passes those the fetch read (the row cannot change while locked). These
// tests check that the indexes still end up exactly right, whether the
// work item was fetched, prefetched by a commit or handed over by the
// activity's completion.

// Keys of indexState's map: the list index, the status indexes, the
// retention index.
var (
	ixPending   = fmt.Sprintf("ix:o:%d", history.StatusPending)
	ixRunning   = fmt.Sprintf("ix:o:%d", history.StatusRunning)
	ixCompleted = fmt.Sprintf("ix:o:%d", history.StatusCompleted)
)

// indexState returns, for one partition, the members of the list index,
// of each status index and of the retention index that belong to id.
func indexState(t *testing.T, s *Store, id string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	p := s.k.partition(id)
	out := map[string][]string{}
	for _, k := range []string{"ix:o", "done", ixPending, ixRunning, ixCompleted} {
		members, err := s.rdb.ZRange(ctx, s.k.prefix(p)+k, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if len(m) > len(id) && m[len(m)-len(id)-1:] == "|"+id {
				out[k] = append(out[k], m)
			}
		}
	}
	return out
}

func TestTheIndexesFollowAnOrchestrationFromPendingToCompleted(t *testing.T) {
	for _, c := range []struct {
		name     string
		together int // orchestrations run at once, so that commits prefetch
	}{
		{"one orchestration at a time, every work item fetched", 1},
		{"twenty at once, work items prefetched and handed over", 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTest(t, testConfig(singleNode(t), uniqueHub("ix"), store.SystemClock{}))
			t.Cleanup(func() { _ = s.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var ids []string
			for i := range c.together {
				id := fmt.Sprintf("ix-%d", i)
				ids = append(ids, id)
				if err := s.CreateInstance(ctx, startEvent(id), store.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				st := indexState(t, s, id)
				if len(st["ix:o"]) != 1 || len(st[ixPending]) != 1 || len(st[ixRunning])+len(st[ixCompleted])+len(st["done"]) != 0 {
					t.Fatalf("after create, %s is indexed as %v, want the list and Pending only", id, st)
				}
			}
			go func() {
				for ctx.Err() == nil {
					wi, err := s.NextActivityWorkItem(ctx)
					if err != nil {
						return
					}
					_ = s.CompleteActivityWorkItem(ctx, wi, history.NewTaskCompleted(time.Now().UTC(), wi.Event.EventID, `2`))
				}
			}()
			for done := 0; done < c.together; {
				wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
				if err != nil {
					t.Fatal(err)
				}
				last := wi.Instance.Status == history.StatusRunning
				if err := commitStep(ctx, s, wi); err != nil {
					t.Fatal(err)
				}
				if last {
					done++
				}
			}
			for _, id := range ids {
				st := indexState(t, s, id)
				if len(st["ix:o"]) != 1 || len(st[ixCompleted]) != 1 || len(st["done"]) != 1 ||
					len(st[ixPending])+len(st[ixRunning]) != 0 || !slices.Equal(st["ix:o"], st[ixCompleted]) {
					t.Fatalf("after completion, %s is indexed as %v, want the list, Completed and retention once each", id, st)
				}
				inst, err := s.GetInstance(ctx, id)
				if err != nil || inst.Status != history.StatusCompleted {
					t.Fatalf("GetInstance(%s) = %+v, %v; want Completed", id, inst, err)
				}
			}
		})
	}
}
