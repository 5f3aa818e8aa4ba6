package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// v2Database writes a database as schema version 2 left it: one JSON
// event per history row, JSON messages and activity requests. Instance
// "old" is Running, waits for activity A and has an event queued.
func v2Database(t *testing.T, path string, hist []*history.Event, msg, act *history.Event) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{migrations[0], migrations[1],
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`, `INSERT INTO schema_version (version) VALUES (2)`,
		`INSERT INTO instances VALUES ('old', 'old-1', 'Orch', 0, '', '', '', '', 1, 2, 0, 0, '', '')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	insert := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for seq, e := range hist {
		insert(`INSERT INTO history VALUES ('old', ?, 'old-1', ?)`, seq, jsonOf(t, e))
	}
	insert(`INSERT INTO messages VALUES (7, 'old', 'old-1', 0, 0, 0, ?)`, jsonOf(t, msg))
	insert(`INSERT INTO activities VALUES (5, 'old', 'old-1', 0, 0, ?)`, jsonOf(t, act))
}

func jsonOf(t *testing.T, e *history.Event) []byte {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameJSON(t *testing.T, what string, got, want []*history.Event) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("%s:\n%s\nwant\n%s", what, g, w)
	}
}

func TestADatabaseOfSchemaVersion2OpensAndKeepsWorking(t *testing.T) {
	ctx := context.Background()
	ts := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	sched := history.NewTaskScheduled(ts, 0, "A", `"x"`)
	hist := []*history.Event{history.NewOrchestratorStarted(ts),
		history.NewExecutionStarted(ts, "Orch", "old", "old-1", `1`, nil, nil), sched, history.NewOrchestratorCompleted(ts)}
	raised := history.NewEventRaised(ts, "E", `true`)
	path := filepath.Join(t.TempDir(), "v2.db")
	v2Database(t, path, hist, raised, sched)

	s := openWith(t, path)
	var version int
	if err := s.rdb.QueryRow(`SELECT version FROM schema_version`).Scan(&version); err != nil || version != len(migrations) {
		t.Fatalf("schema version %d (%v), want %d", version, err, len(migrations))
	}
	wi := nextOrch(t, s)
	sameJSON(t, "history of one-event rows", wi.History, hist)
	sameJSON(t, "queued message", []*history.Event{wi.Messages[0].Event}, []*history.Event{raised})
	episode := []*history.Event{history.NewOrchestratorStarted(ts), raised, history.NewOrchestratorCompleted(ts)}
	row := &store.Instance{InstanceID: "old", ExecutionID: "old-1", Name: "Orch", Status: history.StatusRunning}
	if err := s.CompleteOrchestrationWorkItem(ctx, wi, &store.OrchestrationCommit{Instance: row, NewHistory: episode}); err != nil {
		t.Fatal(err)
	}
	a := nextAct(t, s)
	sameJSON(t, "activity request", []*history.Event{a.Event}, []*history.Event{sched})
	if a.DequeueCount != 1 || storedDequeue(t, s, "activities", "old") != 1 {
		t.Fatalf("a loaded request's first delivery: DequeueCount %d, stored %d; want 1 and 1 (written)", a.DequeueCount, storedDequeue(t, s, "activities", "old"))
	}
	// Old rows and the new chunk read back as one history, in a fresh
	// process (no cache) too.
	want := append(hist[:len(hist):len(hist)], episode...)
	got, err := s.GetHistory(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "history of old rows and a chunk", got, want)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again := openWith(t, path)
	if got, err = again.GetHistory(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "history after reopening", got, want)
	if err := again.CompleteActivityWorkItem(ctx, nextAct(t, again), history.NewTaskCompleted(ts, 0, `1`)); err != nil {
		t.Fatal(err)
	}
	if wi := nextOrch(t, again); len(wi.History) != len(want) || wi.Messages[0].Event.EventType != history.TaskCompleted {
		t.Fatalf("work item after reopening: %d events, message %v", len(wi.History), wi.Messages[0].Event.EventType)
	}
}

func TestAHistoryChunkDecodesOrFailsCleanly(t *testing.T) {
	var blobs [][]byte
	var want []*history.Event
	for i := range 3 {
		e := history.NewTaskCompleted(time.Unix(int64(i), 0).UTC(), i, `"r"`)
		b, _ := encodeEvent(e)
		blobs, want = append(blobs, b), append(want, e)
	}
	chunk := encodeChunk(blobs)
	got, err := appendHistoryBlob(nil, chunk)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "chunk", got, want)
	if one := encodeChunk(blobs[:1]); !bytes.Equal(one, blobs[0]) {
		t.Errorf("a one-event commit is stored as a chunk: % x", one)
	}
	for n := 1; n < len(chunk); n++ {
		if _, err := appendHistoryBlob(nil, chunk[:n]); err == nil {
			t.Fatalf("a chunk cut to %d of %d bytes decoded", n, len(chunk))
		}
	}
	if _, err := appendHistoryBlob(nil, append(bytes.Clone(chunk), 0)); err == nil {
		t.Fatal("a chunk with a trailing byte decoded")
	}
}
