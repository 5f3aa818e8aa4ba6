package telemetry_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/godurable/durablefunctions/durable"
)

// span is an exported span as the assertions need it; the crash test's
// file exporter writes the same fields.
type span struct {
	Name    string            `json:"name"`
	Trace   string            `json:"trace"`
	ID      string            `json:"id"`
	Parent  string            `json:"parent"`
	Kind    string            `json:"kind"`
	Attrs   map[string]string `json:"attrs"`
	Process int               `json:"process"`
}

func fromStub(s sdktrace.ReadOnlySpan) span {
	out := span{Name: s.Name(), Trace: s.SpanContext().TraceID().String(), ID: s.SpanContext().SpanID().String(),
		Kind: s.SpanKind().String(), Attrs: map[string]string{}}
	if s.Parent().IsValid() {
		out.Parent = s.Parent().SpanID().String()
	}
	for _, a := range s.Attributes() {
		out.Attrs[string(a.Key)] = a.Value.Emit()
	}
	return out
}

// newTracing returns a tracer provider that exports synchronously to an
// in-memory exporter, with the runtime's id generator.
func newTracing() (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(durable.TraceIDGenerator{}))
	return tp, exp
}

// runWorkflow starts Workflow from inside a span named "POST /api/orchestrators/Workflow",
// as the HTTP starter would, and waits for it.
func runWorkflow(t *testing.T, tp trace.TracerProvider, c *durable.Client, withSlow bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sctx, root := tp.Tracer("test").Start(ctx, "POST /api/orchestrators/Workflow", trace.WithSpanKind(trace.SpanKindServer))
	id, err := workflow.Start(sctx, c, withSlow)
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.WaitForCompletion(ctx, id)
	if err != nil {
		t.Fatalf("instance %s: %v", id, err)
	}
	if st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("instance %s: %s %s", id, st.RuntimeStatus, st.Output)
	}
	return id
}

// wantWorkflowSpans are the spans of one Workflow run: name → parent name.
var wantWorkflowSpans = []struct{ name, parent string }{
	{"POST /api/orchestrators/Workflow", ""},
	{"create_orchestration:Workflow", "POST /api/orchestrators/Workflow"},
	{"orchestration:Workflow", "create_orchestration:Workflow"},
	{"activity:Hello", "orchestration:Workflow"},
	{"activity:Hello", "orchestration:Workflow"},
	{"orchestration:Workflow:timer", "orchestration:Workflow"},
	{"activity:Square", "orchestration:Workflow"},
	{"activity:Square", "orchestration:Workflow"},
	{"activity:Square", "orchestration:Workflow"},
	{"orchestration:Child", "orchestration:Workflow"},
	{"activity:Hello", "orchestration:Child"},
	{"entity:counter:add", "orchestration:Workflow"},
}

// checkTrace asserts that spans are exactly want, in one trace, each under
// the parent want names, with no span emitted twice.
func checkTrace(t *testing.T, spans []span, want []struct{ name, parent string }) {
	t.Helper()
	byID := map[string]span{}
	for _, s := range spans {
		if _, dup := byID[s.ID]; dup {
			t.Errorf("span %s (%s) was emitted twice", s.ID, s.Name)
		}
		byID[s.ID] = s
	}
	var got, exp []string
	for _, s := range spans {
		parent := ""
		if s.Parent != "" {
			p, ok := byID[s.Parent]
			if !ok {
				t.Errorf("span %s has parent %s, which was never emitted", s.Name, s.Parent)
				continue
			}
			parent = p.Name
		}
		got = append(got, s.Name+" <- "+parent)
		if s.Trace != spans[0].Trace {
			t.Errorf("span %s is in trace %s, not %s", s.Name, s.Trace, spans[0].Trace)
		}
	}
	for _, w := range want {
		exp = append(exp, w.name+" <- "+w.parent)
	}
	sort.Strings(got)
	sort.Strings(exp)
	if strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Errorf("spans (name <- parent):\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
	}
	// A step that replays must not report again: no two spans describe
	// the same task of the same instance.
	seen := map[string]bool{}
	for _, s := range spans {
		key := fmt.Sprintf("%s|%s|%s", s.Name, s.Attrs["durabletask.task.instance_id"], s.Attrs["durabletask.task.task_id"])
		if s.Attrs["durabletask.task.instance_id"] != "" && s.Attrs["durabletask.task.task_id"] != "" && seen[key] {
			t.Errorf("two spans for %s", key)
		}
		seen[key] = true
	}
}

func TestOneTraceRunsFromTheStarterThroughEveryStep(t *testing.T) {
	tp, exp := newTracing()
	rt := newRuntime(t, durable.NewMemoryStore(), durable.WithTelemetry(durable.Telemetry{TracerProvider: tp}))
	id := runWorkflow(t, tp, rt.Client(), false)
	spans := stopAndRead(rt, exp)
	checkTrace(t, spans, wantWorkflowSpans)

	attrs := func(name string) map[string]string {
		for _, s := range spans {
			if s.Name == name {
				return s.Attrs
			}
		}
		t.Fatalf("no span %s", name)
		return nil
	}
	tests := []struct {
		span, attr, want string
	}{
		{"orchestration:Workflow", "durabletask.type", "orchestration"},
		{"orchestration:Workflow", "durabletask.task.name", "Workflow"},
		{"orchestration:Workflow", "durabletask.task.instance_id", id},
		{"orchestration:Workflow", "durabletask.task.status", "Completed"},
		{"create_orchestration:Workflow", "durabletask.task.instance_id", id},
		{"activity:Square", "durabletask.type", "activity"},
		{"activity:Square", "durabletask.task.instance_id", id},
		{"orchestration:Workflow:timer", "durabletask.type", "timer"},
		{"orchestration:Workflow:timer", "durabletask.task.task_id", "2"},
		{"entity:counter:add", "durabletask.type", "entity"},
		{"entity:counter:add", "durabletask.task.name", "counter"},
		{"orchestration:Child", "durabletask.task.status", "Completed"},
	}
	for _, tc := range tests {
		t.Run(tc.span+" has "+tc.attr, func(t *testing.T) {
			if got := attrs(tc.span)[tc.attr]; got != tc.want {
				t.Errorf("%s = %q, want %q", tc.attr, got, tc.want)
			}
		})
	}
	if a := attrs("orchestration:Workflow:timer"); a["durabletask.fire_at"] == "" {
		t.Errorf("the timer span has no durabletask.fire_at: %v", a)
	}
	if a := attrs("orchestration:Workflow"); a["durabletask.task.execution_id"] == "" {
		t.Errorf("the orchestration span has no execution id: %v", a)
	}
}

func TestInputsAndOutputsReachSpansOnlyWhenTracked(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprintf("traceInputsAndOutputs=%v", on), func(t *testing.T) {
			tp, exp := newTracing()
			rt := newRuntime(t, durable.NewMemoryStore(), durable.WithTelemetry(durable.Telemetry{TracerProvider: tp, TraceInputsAndOutputs: on}))
			runWorkflow(t, tp, rt.Client(), false)
			found := false
			for _, s := range stopAndRead(rt, exp) {
				if s.Attrs["durabletask.task.input"] != "" || s.Attrs["durabletask.task.output"] != "" {
					found = true
				}
			}
			if found != on {
				t.Errorf("spans carry payloads: %v, want %v", found, on)
			}
		})
	}
}

func newRuntime(t *testing.T, st *durable.Store, opts ...durable.RuntimeOption) *durable.Runtime {
	t.Helper()
	reg := durable.NewRegistry()
	if err := reg.Register(workloadFunctions()...); err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(reg, st, opts...)
	rt.Start()
	t.Cleanup(func() { _ = rt.Close(context.Background()) })
	return rt
}

// stopAndRead stops the runtime and returns the exported spans. Spans are
// emitted just after each commit is stored, so the last ones (the
// orchestration's own, an entity's) may trail the status a client reads by
// a moment; Stop waits for the dispatchers, and so for them.
func stopAndRead(rt *durable.Runtime, exp *tracetest.InMemoryExporter) []span {
	_ = rt.Stop(context.Background())
	var spans []span
	for _, s := range exp.GetSpans().Snapshots() {
		spans = append(spans, fromStub(s))
	}
	return spans
}
