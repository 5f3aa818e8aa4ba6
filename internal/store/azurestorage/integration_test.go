package azurestorage

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// runToCompletion drives instance id (one activity "Act") through s.
func runOrchestration(t *testing.T, ctx context.Context, s store.Store, id, input string) {
	t.Helper()
	now := time.Now().UTC()
	if err := s.CreateInstance(ctx, history.NewExecutionStarted(now, "Orch", id, id+"-e", input, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	h := []*history.Event{history.NewOrchestratorStarted(now)}
	for _, m := range wi.Messages {
		h = append(h, m.Event)
	}
	sched := history.NewTaskScheduled(now, 0, "Act", input)
	h = append(h, sched, history.NewOrchestratorCompleted(now))
	row := &store.Instance{InstanceID: wi.InstanceID, ExecutionID: wi.InstanceID + "-e", Name: "Orch", Status: history.StatusRunning, Input: input}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h, Activities: []*history.Event{sched}}); err != nil {
		t.Fatal(err)
	}
	aw, err := s.NextActivityWorkItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if aw.Event.Input != input {
		t.Fatalf("activity input has %d bytes, want %d", len(aw.Event.Input), len(input))
	}
	if err := s.CompleteActivityWorkItem(ctx, aw, history.NewTaskCompleted(now, 0, input)); err != nil {
		t.Fatal(err)
	}
	wi, err = s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	if len(wi.Messages) != 1 || wi.Messages[0].Event.Result != input {
		t.Fatalf("completion work item: %d messages", len(wi.Messages))
	}
	h2 := []*history.Event{history.NewOrchestratorStarted(now), wi.Messages[0].Event, history.NewExecutionCompleted(now, history.StatusCompleted, input, nil), history.NewOrchestratorCompleted(now)}
	done := *wi.Instance
	done.Status, done.Output = history.StatusCompleted, input
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: &done, NewHistory: h2}); err != nil {
		t.Fatal(err)
	}
}

func TestLargePayloads(t *testing.T) {
	s := openTest(t, testConfig(t, uniqueHub(), nil))
	defer s.Close()
	ctx := waitCtx(t, 60*time.Second)
	big, _ := json.Marshal(strings.Repeat("payload-", 20000)) // 160 KB: over both thresholds
	runOrchestration(t, ctx, s, "big/1", string(big))
	inst, err := s.GetInstance(ctx, "big/1")
	if err != nil || inst.Status != history.StatusCompleted || inst.Output != string(big) || inst.Input != string(big) {
		t.Fatalf("instance: %v (output %d bytes)", err, len(inst.Output))
	}
	h, err := s.GetHistory(ctx, "big/1")
	if err != nil || len(h) != 8 || h[1].Input != string(big) || h[5].Result != string(big) {
		t.Fatalf("history: %v, %d events", err, len(h))
	}
	// The blobs live under the escaped id and go away with the purge.
	names := listBlobs(t, s, "big^01/")
	if len(names) == 0 {
		t.Fatal("no large-message blobs were written")
	}
	if err := s.PurgeInstance(ctx, "big/1"); err != nil {
		t.Fatal(err)
	}
	if names := listBlobs(t, s, "big^01/"); len(names) != 0 {
		t.Fatalf("blobs left after purge: %v", names)
	}
	st := s.Stats()
	if st["blob.write"] == 0 || st["queue.enqueue"] == 0 || st["table.batch"] == 0 {
		t.Fatalf("stats = %v", st)
	}
	t.Logf("requests: %v (total %d)", st, st.Total())
}

func listBlobs(t *testing.T, s *Store, prefix string) []string {
	t.Helper()
	pager := s.large.NewListBlobsFlatPager(nil)
	var out []string
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Segment.BlobItems {
			if strings.HasPrefix(*b.Name, prefix) {
				out = append(out, *b.Name)
			}
		}
	}
	return out
}

func TestManyEventsCommit(t *testing.T) {
	s := openTest(t, testConfig(t, uniqueHub(), nil))
	defer s.Close()
	ctx := waitCtx(t, 60*time.Second)
	now := time.Now().UTC()
	if err := s.CreateInstance(ctx, history.NewExecutionStarted(now, "Fan", "fan", "fan-e", "", nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	h := []*history.Event{history.NewOrchestratorStarted(now), wi.Messages[0].Event}
	var acts []*history.Event
	for i := 0; i < 250; i++ { // three table transactions
		e := history.NewTaskScheduled(now, i, "Square", "1")
		h = append(h, e)
		acts = append(acts, e)
	}
	h = append(h, history.NewOrchestratorCompleted(now))
	row := &store.Instance{InstanceID: "fan", ExecutionID: "fan-e", Name: "Fan", Status: history.StatusRunning}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h, Activities: acts}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetHistory(ctx, "fan")
	if err != nil || len(got) != len(h) {
		t.Fatalf("history: %d events, %v", len(got), err)
	}
	for i := 0; i < 250; i++ {
		aw, err := s.NextActivityWorkItem(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteActivityWorkItem(ctx, aw, history.NewTaskCompleted(now, aw.Event.EventID, "1")); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for n < 250 {
		wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
		if err != nil {
			t.Fatal(err)
		}
		n += len(wi.Messages)
		ev := []*history.Event{history.NewOrchestratorStarted(now)}
		for _, m := range wi.Messages {
			ev = append(ev, m.Event)
		}
		ev = append(ev, history.NewOrchestratorCompleted(now))
		if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: wi.Instance, NewHistory: ev}); err != nil {
			t.Fatal(err)
		}
	}
	if n != 250 {
		t.Fatalf("%d results delivered, want 250", n)
	}
}

// Two stores on one hub share the partitions and both make progress.
func TestTwoWorkersShareHub(t *testing.T) {
	hub := uniqueHub()
	a := openTest(t, testConfig(t, hub, nil))
	defer a.Close()
	cfgB := testConfig(t, hub, nil)
	cfgB.WorkerID = "worker-b"
	b := openTest(t, cfgB)
	defer b.Close()
	// Wait until B has stolen its share.
	deadline := time.Now().Add(20 * time.Second)
	for {
		na, nb := ownedCount(a), ownedCount(b)
		if na == 2 && nb == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("partitions not balanced: a=%d b=%d", na, nb)
		}
		time.Sleep(200 * time.Millisecond)
	}
	ctx := waitCtx(t, 60*time.Second)
	const n = 16
	now := time.Now().UTC()
	for i := 0; i < n; i++ {
		id := "inst" + string(rune('a'+i))
		if err := a.CreateInstance(ctx, history.NewExecutionStarted(now, "O", id, id+"-e", "", nil, nil), store.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]*Store{}
	results := make(chan [2]any, n)
	for _, s := range []*Store{a, b} {
		go func(s *Store) {
			for {
				cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				wi, err := s.NextOrchestrationWorkItem(cctx, store.Orchestrations)
				cancel()
				if err != nil {
					return
				}
				h := []*history.Event{history.NewOrchestratorStarted(now), wi.Messages[0].Event, history.NewExecutionCompleted(now, history.StatusCompleted, "1", nil), history.NewOrchestratorCompleted(now)}
				row := &store.Instance{InstanceID: wi.InstanceID, ExecutionID: wi.InstanceID + "-e", Name: "O", Status: history.StatusCompleted}
				err = s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h})
				results <- [2]any{wi.InstanceID, s}
				if err != nil {
					t.Error(err)
				}
			}
		}(s)
	}
	for len(seen) < n {
		select {
		case r := <-results:
			if prev := seen[r[0].(string)]; prev != nil {
				t.Fatalf("instance %s processed twice", r[0])
			}
			seen[r[0].(string)] = r[1].(*Store)
		case <-ctx.Done():
			t.Fatalf("only %d of %d instances completed", len(seen), n)
		}
	}
	byA := 0
	for _, s := range seen {
		if s == a {
			byA++
		}
	}
	if byA == 0 || byA == n {
		t.Fatalf("one worker did all the work (a=%d of %d)", byA, n)
	}
	// Closing B hands its partitions back to A.
	b.Close()
	deadline = time.Now().Add(20 * time.Second)
	for ownedCount(a) != 4 {
		if time.Now().After(deadline) {
			t.Fatalf("a owns %d partitions after b closed", ownedCount(a))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func ownedCount(s *Store) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.parts {
		if p.owned {
			n++
		}
	}
	return n
}

// A commit racing another worker's commit on the same instance fails
// with ErrWorkItemLost (sentinel ETag).
func TestSplitBrainCommit(t *testing.T) {
	hub := uniqueHub()
	a := openTest(t, testConfig(t, hub, nil))
	defer a.Close()
	ctx := waitCtx(t, 30*time.Second)
	runOrchestration(t, ctx, a, "sb", `"x"`)
	// Simulate a stale worker: a lock read before another commit.
	if err := a.SendMessages(ctx, store.Message{InstanceID: "sb", Event: history.NewEventRaised(time.Now(), "e", "1")}); err != nil {
		t.Fatal(err)
	}
	wi, err := a.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	lk := wi.Lock.(*orchLock)
	stale := *lk.hs
	// Another worker commits first.
	if err := a.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: wi.Instance, NewHistory: []*history.Event{history.NewOrchestratorStarted(time.Now())}}); err != nil {
		t.Fatal(err)
	}
	_, err = a.commitHistory(ctx, "sb", &stale.sen, len(stale.events), stale.sen.execID, []*history.Event{history.NewGenericEvent(time.Now(), "late")},
		map[string]any{"CheckpointToken": newID(), "HistoryLength": len(stale.events) + 1, "ExecutionId": stale.sen.execID})
	if !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("stale commit = %v, want ErrWorkItemLost", err)
	}
}

// A lost Instances write (crash between the history commit and the row
// write) is repaired from the sentinel by the next reader.
func TestRepairLostInstanceWrite(t *testing.T) {
	s := openTest(t, testConfig(t, uniqueHub(), nil))
	defer s.Close()
	ctx := waitCtx(t, 30*time.Second)
	runOrchestration(t, ctx, s, "rp", `"x"`)
	// Roll the row back to what it was before the last commit.
	row, _ := s.readInstance(ctx, "rp")
	old := *row.inst
	old.Status, old.Output = history.StatusRunning, ""
	if err := s.writeInstance(ctx, &old, "stale-token"); err != nil {
		t.Fatal(err)
	}
	// The triggering message is redelivered (its delete never happened).
	if err := s.SendMessages(ctx, store.Message{InstanceID: "rp", Event: history.NewEventRaised(time.Now(), "poke", "")}); err != nil {
		t.Fatal(err)
	}
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	if wi.Instance.Status != history.StatusCompleted {
		t.Fatalf("work item row status %v, want the repaired Completed", wi.Instance.Status)
	}
	if got, _ := s.GetInstance(ctx, "rp"); got.Status != history.StatusCompleted {
		t.Fatalf("row status %v after repair", got.Status)
	}
	_ = s.AbandonOrchestrationWorkItem(ctx, wi, time.Millisecond)
}

// Redelivered messages already consumed by a commit are dropped.
func TestRedeliveryDropped(t *testing.T) {
	s := openTest(t, testConfig(t, uniqueHub(), nil))
	defer s.Close()
	ctx := waitCtx(t, 30*time.Second)
	runOrchestration(t, ctx, s, "rd", `"x"`)
	if err := s.SendMessages(ctx, store.Message{InstanceID: "rd", Event: history.NewEventRaised(time.Now(), "once", "")}); err != nil {
		t.Fatal(err)
	}
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	lk := wi.Lock.(*orchLock)
	raw := lk.msgs[0].raw
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: wi.Instance, NewHistory: []*history.Event{wi.Messages[0].Event}}); err != nil {
		t.Fatal(err)
	}
	// Put the same envelope back, as a crash before the delete would.
	if _, err := s.control[PartitionIndex("rd", 4)].EnqueueMessage(ctx, raw, nil); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if wi, err := s.NextOrchestrationWorkItem(cctx, store.Orchestrations); err == nil {
		t.Fatalf("redelivered message delivered again: %+v", wi.Messages[0].Event)
	}
}

// Azurite stops for 10 s: the store's loops survive and work continues.
func TestStorageOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	inst, err := azurite.StartWith(azurite.Options{})
	if err != nil {
		azurite.Shared(t) // skips or fails with the shared instance's reason
		t.Skip(err)
	}
	defer inst.Close()
	cfg := testConfig(t, uniqueHub(), nil)
	cfg.Connection = Connection{ConnectionString: inst.ConnectionString()}
	s := openTest(t, cfg)
	defer s.Close()
	ctx := waitCtx(t, 90*time.Second)
	runOrchestration(t, ctx, s, "before", `"x"`)
	if err := inst.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Second)
	if err := inst.Restart(); err != nil {
		t.Fatal(err)
	}
	runOrchestration(t, ctx, s, "after", `"y"`)
	if got, err := s.GetInstance(ctx, "before"); err != nil || got.Status != history.StatusCompleted {
		t.Fatalf("instance from before the outage: %v %v", got, err)
	}
}

// After a commit the instance is cached with the sentinel's new ETag
// (parsed from the $batch response); a cached work item whose instance
// was committed by someone else meanwhile fails with ErrWorkItemLost
// before it sends anything, and the next work item reads from storage.
func TestInstanceCacheStale(t *testing.T) {
	hub := uniqueHub()
	a := openTest(t, testConfig(t, hub, nil))
	defer a.Close()
	ctx := waitCtx(t, 30*time.Second)
	now := time.Now().UTC()
	if err := a.CreateInstance(ctx, history.NewExecutionStarted(now, "Orch", "sc", "sc-e", `1`, nil, nil), store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	wi, err := a.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	if wi.Lock.(*orchLock).cached != nil {
		t.Fatal("first work item served from the cache")
	}
	h := []*history.Event{history.NewOrchestratorStarted(now), wi.Messages[0].Event, history.NewOrchestratorCompleted(now)}
	row := &store.Instance{InstanceID: "sc", ExecutionID: "sc-e", Name: "Orch", Status: history.StatusRunning}
	if err := a.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h}); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	c := a.cache["sc"]
	a.mu.Unlock()
	if c == nil {
		t.Fatal("committed instance not cached")
	}
	sen, err := a.readSentinel(ctx, "sc")
	if err != nil {
		t.Fatal(err)
	}
	if c.sen.etag != sen.etag || c.sen.length != 3 || len(c.events) != 3 {
		t.Fatalf("cached etag %q length %d/%d, stored etag %q", c.sen.etag, c.sen.length, len(c.events), sen.etag)
	}

	// A cached work item commits without reads.
	if err := a.SendMessages(ctx, store.Message{InstanceID: "sc", Event: history.NewEventRaised(now, "e", "1")}); err != nil {
		t.Fatal(err)
	}
	wi, err = a.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	if wi.Lock.(*orchLock).cached == nil || len(wi.History) != 3 {
		t.Fatalf("second work item: cached=%v history=%d", wi.Lock.(*orchLock).cached != nil, len(wi.History))
	}
	before := a.Stats()
	h = []*history.Event{history.NewOrchestratorStarted(now), wi.Messages[0].Event, history.NewOrchestratorCompleted(now)}
	if err := a.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h}); err != nil {
		t.Fatal(err)
	}
	if d := a.Stats()["table.read"] - before["table.read"]; d != 0 {
		t.Fatalf("cached commit made %d table reads", d)
	}

	// Another worker commits behind our back.
	hs, err := a.readHistory(ctx, "sc")
	if err != nil {
		t.Fatal(err)
	}
	final, err := a.finalSentinel(ctx, "sc", "sc-e", len(hs.events)+1, newID(), hs.sen.consumed, row, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.commitHistory(ctx, "sc", &hs.sen, len(hs.events), "sc-e", []*history.Event{history.NewGenericEvent(now, "other")}, final); err != nil {
		t.Fatal(err)
	}
	if err := a.SendMessages(ctx, store.Message{InstanceID: "sc", Event: history.NewEventRaised(now, "e", "2")}); err != nil {
		t.Fatal(err)
	}
	wi, err = a.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	if wi.Lock.(*orchLock).cached == nil {
		t.Fatal("third work item not served from the cache")
	}
	sched := history.NewTaskScheduled(now, 0, "Act", "")
	h = []*history.Event{history.NewOrchestratorStarted(now), wi.Messages[0].Event, sched, history.NewOrchestratorCompleted(now)}
	before = a.Stats()
	err = a.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h, Activities: []*history.Event{sched}})
	if !errors.Is(err, store.ErrWorkItemLost) {
		t.Fatalf("stale cached commit = %v, want ErrWorkItemLost", err)
	}
	if d := a.Stats()["queue.enqueue"] - before["queue.enqueue"]; d != 0 {
		t.Fatalf("stale cached commit sent %d messages", d)
	}
	wi, err = a.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	if wi.Lock.(*orchLock).cached != nil || len(wi.History) != 7 {
		t.Fatalf("after a stale cache: cached=%v history=%d, want a fresh read of 7 events", wi.Lock.(*orchLock).cached != nil, len(wi.History))
	}
	if err := a.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: h, Activities: []*history.Event{sched}}); err != nil {
		t.Fatal(err)
	}
}
