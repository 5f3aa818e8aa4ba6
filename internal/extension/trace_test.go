package extension_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// The host's span, as its HTTP client writes it on the invocation.
const (
	hostTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	hostSpan   = "00f067aa0ba902b7"
	hostParent = "00-" + hostTrace + "-" + hostSpan + "-01"
)

// tracedRegistry has an activity and an entity that each start a span of
// user code from the context they run with.
func tracedRegistry(t *testing.T) (*durable.Registry, *tracetest.InMemoryExporter) {
	exp := tracetest.NewInMemoryExporter()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp)).Tracer("user-code")
	reg := durable.NewRegistry()
	if err := reg.AddActivity("Work", func(ctx *durable.ActivityContext) (any, error) {
		_, span := tracer.Start(ctx, "user: query")
		span.End()
		return "done", nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := reg.AddEntity("Counter", func(ctx *durable.EntityContext) error {
		_, span := tracer.Start(ctx, "user: "+ctx.OperationName())
		span.End()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return reg, exp
}

// The only span is the user's, and it is the child of the host's span
// (no activity:{name} span of ours: the host records that one).
func onlyUserSpanUnderHost(t *testing.T, exp *tracetest.InMemoryExporter, name, parentSpan string) {
	t.Helper()
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != name {
		t.Fatalf("spans %v, want only %q", spans, name)
	}
	s := spans[0]
	if s.SpanContext.TraceID().String() != hostTrace || s.Parent.SpanID().String() != parentSpan || !s.Parent.IsRemote() {
		t.Errorf("%s: trace %s parent %s (remote %v), want trace %s under the host's span %s",
			name, s.SpanContext.TraceID(), s.Parent.SpanID(), s.Parent.IsRemote(), hostTrace, parentSpan)
	}
}

func TestActivityCodeRunsInTheTraceTheHostSent(t *testing.T) {
	reg, exp := tracedRegistry(t)
	x := extension.NewExecutor(reg, extension.Options{})
	srv := serveWith(t, x, "Work", extension.Activity)
	body := envelope(map[string]json.RawMessage{"input": hostString(`null`)},
		map[string]json.RawMessage{"instanceId": hostString("inst-1"), "data": hostToken(`null`),
			"sys": json.RawMessage(`{"MethodName":"Work"}`)})
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", hostParent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	onlyUserSpanUnderHost(t, exp, "user: query", hostSpan)
}

func TestActivityCodeWithoutAHostTraceStartsItsOwn(t *testing.T) {
	reg, exp := tracedRegistry(t)
	srv := serveWith(t, extension.NewExecutor(reg, extension.Options{}), "Work", extension.Activity)
	body := envelope(nil, map[string]json.RawMessage{"instanceId": hostString("inst-1"), "data": hostToken(`null`)})
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if spans := exp.GetSpans(); len(spans) != 1 || spans[0].Parent.IsValid() {
		t.Fatalf("spans %v, want one root span", spans)
	}
}

// Entity operations carry their caller's trace context in the batch
// request; the batch runs in the first one's trace when the invocation
// brought none.
func TestEntityCodeRunsInTheTraceItsFirstOperationCarries(t *testing.T) {
	reg, exp := tracedRegistry(t)
	x := extension.NewExecutor(reg, extension.Options{})
	const opSpan = "b7ad6b7169203331"
	req := &pb.EntityBatchRequest{InstanceId: "@counter@k", Operations: []*pb.OperationRequest{
		{Operation: "add", RequestId: "r1", Input: sv("1"),
			TraceContext: &pb.TraceContext{TraceParent: "00-" + hostTrace + "-" + opSpan + "-01"}},
	}}
	res := x.RunEntityBatch(context.Background(), mustMarshal(t, req))
	if res.GetFailureDetails() != nil || len(res.GetResults()) != 1 {
		t.Fatalf("batch: %v", res)
	}
	onlyUserSpanUnderHost(t, exp, "user: add", opSpan)
}

func serveWith(t *testing.T, x *extension.Executor, fn string, kind extension.Kind) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.ServeInvocation(w, r, fn, kind)
	}))
	t.Cleanup(srv.Close)
	return srv
}
