package handler_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/handler"
)

// exportedSpan is what the collector below reads of an OTLP span.
type exportedSpan struct{ name, trace, parent string }

// otlpCollector records the spans POSTed to /v1/traces (OTLP/HTTP,
// protobuf), reading only the fields the test needs.
type otlpCollector struct {
	mu    sync.Mutex
	spans []exportedSpan
}

func (c *otlpCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path != "/v1/traces" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range pbFields(body)[1] { // ResourceSpans
		for _, ss := range pbFields(rs)[2] { // ScopeSpans
			for _, sp := range pbFields(ss)[2] { // Span
				f := pbFields(sp)
				c.spans = append(c.spans, exportedSpan{name: string(pbFirst(f, 5)),
					trace: hex.EncodeToString(pbFirst(f, 1)), parent: hex.EncodeToString(pbFirst(f, 4))})
			}
		}
	}
}

// pbFields returns a protobuf message's length-delimited fields by number.
func pbFields(msg []byte) map[protowire.Number][][]byte {
	out := map[protowire.Number][][]byte{}
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return out
		}
		msg = msg[n:]
		if typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(msg)
			if m < 0 {
				return out
			}
			out[num] = append(out[num], v)
			msg = msg[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, msg)
		if m < 0 {
			return out
		}
		msg = msg[m:]
	}
	return out
}

func pbFirst(f map[protowire.Number][][]byte, n protowire.Number) []byte {
	if len(f[n]) == 0 {
		return nil
	}
	return f[n][0]
}

// In extension mode, with OTEL_EXPORTER_OTLP_ENDPOINT set, a span the
// activity's code starts with the global tracer is exported as the child
// of the span the host named in the invocation's traceparent, and the
// worker records no Durable Task span of its own (the host does).
func TestExtensionModeExportsUserSpansUnderTheHostsTrace(t *testing.T) {
	col := &otlpCollector{}
	collector := httptest.NewServer(col)
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	t.Setenv("FUNCTIONS_CUSTOMHANDLER_PORT", port)
	t.Setenv("FUNCTIONS_WORKER_RUNTIME", "custom")
	dir := writeApp(t, map[string]string{
		"host.json": `{"version":"2.0","extensionBundle":{"id":"Microsoft.Azure.Functions.ExtensionBundle","version":"[4.*, 5.0.0)"},
			"customHandler":{"description":{"defaultExecutablePath":"app"}},
			"extensions":{"durableTask":{"hubName":"TraceHub","notifications":{"eventGrid":{"topicEndpoint":"https://t","keySettingName":"NotForTheWorker"}}}}}`,
		"Work/function.json": `{"bindings":[{"type":"activityTrigger","name":"input","direction":"in"}]}`,
	})
	a := handler.NewApp()
	a.Activity("Work", func(ctx *durable.ActivityContext) (any, error) {
		_, span := otel.Tracer("user-code").Start(ctx, "user: query")
		span.End()
		return "done", nil
	})
	srv, err := handler.Start(t.Context(), a, &handler.Options{Mode: handler.BehindHost, AppDir: dir, Addr: addr})
	if err != nil {
		t.Fatal(err) // the Event Grid key is the host's business: its absence must not stop the worker
	}

	const trace, hostSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	meta, _ := json.Marshal(map[string]any{"instanceId": `"inst-1"`, "data": "null", "sys": map[string]string{"MethodName": "Work"}})
	body := `{"Data":{"input":"null"},"Metadata":` + string(meta) + `}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/Work", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+trace+"-"+hostSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(reply), "done") {
		t.Fatalf("activity invocation: %d %s", resp.StatusCode, reply)
	}
	if err := srv.Shutdown(context.Background()); err != nil { // flushes the spans
		t.Fatal(err)
	}

	col.mu.Lock()
	defer col.mu.Unlock()
	if len(col.spans) != 1 {
		t.Fatalf("exported spans %v, want only the user's", col.spans)
	}
	if s := col.spans[0]; s.name != "user: query" || s.trace != trace || s.parent != hostSpan {
		t.Errorf("exported %+v, want user: query in trace %s under the host's span %s", s, trace, hostSpan)
	}
}
