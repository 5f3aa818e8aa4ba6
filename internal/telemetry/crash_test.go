package telemetry_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

// The crash test runs Workflow in a child process over a SQLite file, kills
// it with SIGKILL while the Slow activity runs, and finishes the instance in
// a second child. Both children export spans, one JSON line each, to the
// same file as they end: whatever the first process exported before it died
// is there, and the assertions see the whole trace.

const (
	childDBEnv    = "TELEMETRY_TEST_CHILD_DB"
	childSpansEnv = "TELEMETRY_TEST_CHILD_SPANS"
	childStageEnv = "TELEMETRY_TEST_CHILD_STAGE"
)

func TestMain(m *testing.M) {
	if db := os.Getenv(childDBEnv); db != "" {
		os.Exit(crashChild(db, os.Getenv(childSpansEnv), os.Getenv(childStageEnv)))
	}
	os.Exit(m.Run())
}

// fileExporter appends each span to a file as one JSON line, written as
// the span ends, so that a SIGKILL loses nothing exported.
type fileExporter struct {
	mu      sync.Mutex
	f       *os.File
	process int
}

func (e *fileExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range spans {
		rec := fromStub(s)
		rec.Process = e.process
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if _, err := e.f.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

func (e *fileExporter) Shutdown(context.Context) error { return nil }

// crashChild is a process of the crash test. Stage 1 starts Workflow
// (Slow blocks there until the parent kills it); stage 2 finishes it.
func crashChild(db, spansPath, stage string) int {
	f, err := os.OpenFile(spansPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	n, _ := strconv.Atoi(stage)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(&fileExporter{f: f, process: n}), sdktrace.WithIDGenerator(durable.TraceIDGenerator{}))
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	reg := durable.NewRegistry()
	if err := reg.Register(workloadFunctions()...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rt := durable.NewRuntime(reg, st, durable.WithTelemetry(durable.Telemetry{TracerProvider: tp}))
	rt.Start()
	c := rt.Client()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	id := "crashy"
	if stage == "1" {
		sctx, root := tp.Tracer("test").Start(ctx, "POST /api/orchestrators/Workflow", trace.WithSpanKind(trace.SpanKindServer))
		_, err := workflow.Start(sctx, c, true, durable.WithInstanceID(id))
		root.End()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		select {} // Slow blocks; the parent kills this process
	}
	status, err := c.WaitForCompletion(ctx, id)
	if err != nil || status.RuntimeStatus != durable.StatusCompleted {
		fmt.Fprintln(os.Stderr, "instance did not complete:", status, err)
		return 1
	}
	_ = rt.Close(context.Background())
	return 0
}

func TestOneTraceSurvivesASIGKILLInTheMiddleOfAnActivity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two processes")
	}
	dir := t.TempDir()
	db, spansPath, marker := filepath.Join(dir, "hub.db"), filepath.Join(dir, "spans.jsonl"), filepath.Join(dir, "in-slow")
	child := func(stage string, extra ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childDBEnv+"="+db, childSpansEnv+"="+spansPath, childStageEnv+"="+stage)
		cmd.Env = append(cmd.Env, extra...)
		cmd.Stderr = os.Stderr
		return cmd
	}
	first := child("1", slowMarkerEnv+"="+marker)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = first.Process.Kill()
			t.Fatal("the first process never reached the Slow activity")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()

	// SQLite serves one process at a time: the second finds Slow in flight,
	// runs it again and finishes Workflow.
	second := child("2")
	if out, err := second.Output(); err != nil {
		t.Fatalf("second process: %v\n%s", err, out)
	}

	spans := readSpans(t, spansPath)
	want := append([]struct{ name, parent string }{{"activity:Slow", "orchestration:Workflow"}}, wantWorkflowSpans...)
	checkTrace(t, spans, want)
	byProcess := map[string]int{}
	for _, s := range spans {
		byProcess[s.Name] = s.Process
	}
	tests := []struct {
		span    string
		process int
	}{
		{"create_orchestration:Workflow", 1},
		{"activity:Slow", 2},
		{"orchestration:Workflow", 2},
		{"entity:counter:add", 2},
	}
	for _, tc := range tests {
		if byProcess[tc.span] != tc.process {
			t.Errorf("%s was emitted by process %d, want %d", tc.span, byProcess[tc.span], tc.process)
		}
	}
}

func readSpans(t *testing.T, path string) []span {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []span
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s span
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		out = append(out, s)
	}
	return out
}
