package sqlite

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// storedDequeue reads the dequeue_count of instance id's only row in
// table (messages or activities).
func storedDequeue(t *testing.T, s *Store, table, id string) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(`SELECT dequeue_count FROM `+table+` WHERE instance_id = ?`, id).Scan(&n); err != nil {
		t.Fatalf("%s row of %q: %v", table, id, err)
	}
	return n
}

// crashImage opens a copy of s's database as a process killed now would
// leave it: the file and its WAL, with every commit so far and nothing
// else. A read transaction held during the copy keeps the WAL from being
// restarted under it.
func crashImage(t *testing.T, s *Store) *Store {
	t.Helper()
	tx, err := s.rdb.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.QueryRow(`SELECT count(*) FROM instances`).Scan(new(int)); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "image.db")
	for _, suffix := range []string{"", "-wal"} {
		copyFile(t, s.Path()+suffix, dst+suffix)
	}
	return openWith(t, dst)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func nextOrch(t *testing.T, s *Store) *store.OrchestrationWorkItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wi, err := s.NextOrchestrationWorkItem(ctx, store.Orchestrations)
	if err != nil {
		t.Fatal(err)
	}
	return wi
}

func nextAct(t *testing.T, s *Store) *store.ActivityWorkItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wi, err := s.NextActivityWorkItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return wi
}

func TestOnlyAFreshRowsFirstDeliveryGoesUncountedByACrash(t *testing.T) {
	ctx := context.Background()
	s := openWith(t, filepath.Join(t.TempDir(), "dq.db"))
	start := history.NewExecutionStarted(time.Now().UTC(), "Orch", "p", "p-1", "", nil, nil)
	if err := s.CreateInstance(ctx, start, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if wi := nextOrch(t, s); wi.Messages[0].DequeueCount != 1 {
		t.Fatalf("first delivery has DequeueCount %d", wi.Messages[0].DequeueCount)
	}
	if n := storedDequeue(t, s, "messages", "p"); n != 0 {
		t.Fatalf("stored count after a fresh message's first delivery = %d, want 0 (not written)", n)
	}

	// After a crash every delivery is counted before it is handed out.
	img := crashImage(t, s)
	if wi := nextOrch(t, img); wi.Messages[0].DequeueCount != 1 {
		t.Fatalf("delivery after the crash has DequeueCount %d, want 1", wi.Messages[0].DequeueCount)
	}
	if n := storedDequeue(t, img, "messages", "p"); n != 1 {
		t.Fatalf("stored count after a delivery of a loaded message = %d, want 1", n)
	}
	img2 := crashImage(t, img)
	wi := nextOrch(t, img2)
	if wi.Messages[0].DequeueCount != 2 || storedDequeue(t, img2, "messages", "p") != 2 {
		t.Fatalf("second crash: DequeueCount %d, stored %d; want 2 and 2", wi.Messages[0].DequeueCount, storedDequeue(t, img2, "messages", "p"))
	}

	// An activity request the image created is fresh there.
	sched := history.NewTaskScheduled(time.Now().UTC(), 0, "A", "")
	row := &store.Instance{InstanceID: "p", ExecutionID: "p-1", Name: "Orch", Status: history.StatusRunning}
	if err := img2.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row,
		NewHistory: []*history.Event{history.NewOrchestratorStarted(time.Now().UTC()), start, sched}, Activities: []*history.Event{sched}}); err != nil {
		t.Fatal(err)
	}
	if a := nextAct(t, img2); a.DequeueCount != 1 || storedDequeue(t, img2, "activities", "p") != 0 {
		t.Fatalf("fresh activity: DequeueCount %d, stored %d; want 1 and 0", a.DequeueCount, storedDequeue(t, img2, "activities", "p"))
	}
	img3 := crashImage(t, img2)
	if a := nextAct(t, img3); a.DequeueCount != 1 || storedDequeue(t, img3, "activities", "p") != 1 {
		t.Fatalf("activity after the crash: DequeueCount %d, stored %d; want 1 and 1", a.DequeueCount, storedDequeue(t, img3, "activities", "p"))
	}

	// A clean close writes the counts it kept in memory.
	path := img2.Path()
	if err := img2.Close(); err != nil {
		t.Fatal(err)
	}
	again := openWith(t, path)
	if a := nextAct(t, again); a.DequeueCount != 2 {
		t.Fatalf("activity after a clean close: DequeueCount %d, want 2", a.DequeueCount)
	}
}

func TestAFlushNeverLowersACount(t *testing.T) {
	s := openWith(t, filepath.Join(t.TempDir(), "raise.db"))
	start := history.NewExecutionStarted(time.Now().UTC(), "Orch", "r", "r-1", "", nil, nil)
	if err := s.CreateInstance(context.Background(), start, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nextOrch(t, s) // deferred count 1
	if _, err := s.wdb.Exec(`UPDATE messages SET dequeue_count = 5 WHERE instance_id = 'r'`); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT dequeue_count FROM messages WHERE instance_id = 'r'`).Scan(&n); err != nil || n != 5 {
		t.Fatalf("stored count after the flush = %d (%v), want 5 kept", n, err)
	}
}
