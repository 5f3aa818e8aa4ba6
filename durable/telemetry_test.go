package durable_test

import (
	"os/exec"
	"strings"
	"testing"
)

// WithTelemetry takes the OpenTelemetry API only: the SDK and the OTLP
// exporters are linked by programs that set them up (package handler),
// never by durable.
func TestImportingDurableLinksNoOpenTelemetrySDKOrExporter(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/godurable/durablefunctions/durable").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, d := range strings.Fields(string(out)) {
		for _, banned := range []string{"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/exporters", "go.opentelemetry.io/proto"} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("durable links %s", d)
			}
		}
	}
}
