package determinism_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestVetTool builds cmd/durablevet and runs it through go vet -vettool on a
// package of this module that uses the real durable package, with a helper
// in another package (facts cross go vet's package-by-package runs).
func TestVetTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the go command")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	tool := filepath.Join(t.TempDir(), "durablevet")
	build := exec.Command(gobin, "build", "-o", tool, "../../../cmd/durablevet")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	want := []string{
		"orch.go:13:14: call to steps.Deadline in orchestrator Approval reaches call to time.Now (steps.go:7): ",
		"; use ctx.CurrentUTCDateTime()",
		`orch.go:30:3: call to time.Sleep in orchestrator "Typed": `,
		"; use ctx.CreateTimer(...).Await(nil)",
	}
	for _, mode := range []string{"vet", "direct"} {
		var cmd *exec.Cmd
		if mode == "vet" {
			cmd = exec.Command(gobin, "vet", "-vettool="+tool, "./testdata/mod/orch")
		} else {
			cmd = exec.Command(tool, "./testdata/mod/orch")
		}
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%s: no failure reported; output:\n%s", mode, out)
		}
		got := string(out)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: output lacks %q; output:\n%s", mode, w, got)
			}
		}
		if n := strings.Count(got, "orch.go:"); n != 2 {
			t.Errorf("%s: %d findings, want 2; output:\n%s", mode, n, got)
		}
	}
}
