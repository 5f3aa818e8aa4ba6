package telemetry

import (
	"testing"

	"github.com/godurable/durablefunctions/internal/history"
)

// Trace context stored by any W3C runtime reads back as it was written:
// the sampled bit is a bit, not the whole flags byte.
func TestStoredTraceContextReadsBackAsW3CSaysIt(t *testing.T) {
	const tid, sid = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	cases := []struct {
		name, parent, state string
		valid, sampled      bool
	}{
		{"a sampled parent", "00-" + tid + "-" + sid + "-01", "", true, true},
		{"flags with another bit besides sampled", "00-" + tid + "-" + sid + "-03", "", true, true},
		{"an unsampled parent", "00-" + tid + "-" + sid + "-00", "", true, false},
		{"a parent with trace state", "00-" + tid + "-" + sid + "-01", "congo=t61rcWkgMzE", true, true},
		{"a malformed value loses only the link", "00-xyz-" + sid + "-01", "", false, false},
		{"an empty value", "", "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := parseTraceContext(&history.TraceContext{TraceParent: c.parent, TraceState: c.state})
			if sc.IsValid() != c.valid || sc.IsSampled() != c.sampled {
				t.Fatalf("valid %v sampled %v; want %v %v", sc.IsValid(), sc.IsSampled(), c.valid, c.sampled)
			}
			if !c.valid {
				return
			}
			back := traceContext(sc)
			if sc.TraceID().String() != tid || sc.SpanID().String() != sid || back.TraceState != c.state {
				t.Fatalf("read %v, wrote back %+v", sc, back)
			}
		})
	}
}
