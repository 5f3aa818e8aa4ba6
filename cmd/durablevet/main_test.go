package main_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestVetTool builds cmd/durablevet and runs it on testdata/fixture, a small
// module that uses this repository's durable package (through a replace
// directive) and has a helper in another package, so facts must cross go
// vet's package-by-package runs. It runs the tool both ways: through
// go vet -vettool (the unitchecker protocol) and directly (singlechecker).
func TestVetTool(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds cmd/durablevet and runs the go command")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipped: no go command on PATH to build cmd/durablevet and run go vet")
	}
	tool := filepath.Join(t.TempDir(), "durablevet")
	build := exec.Command(gobin, "build", "-o", tool, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := fixtureModule(t)

	want := []string{
		"orch/orch.go:13:14: call to steps.Deadline in orchestrator Approval reaches call to time.Now (steps.go:7): " +
			"the wall clock gives a different value each time the orchestrator is replayed; use ctx.CurrentUTCDateTime()",
		`orch/orch.go:30:3: call to time.Sleep in orchestrator "Typed": ` +
			"real timers are not recorded in the history and block the worker during every replay; use ctx.CreateTimer(...).Await(nil)",
	}
	for _, tc := range []struct {
		mode     string
		cmd      *exec.Cmd
		exitCode int
	}{
		{"go vet -vettool", exec.Command(gobin, "vet", "-vettool="+tool, "./..."), 1},
		{"direct", exec.Command(tool, "./..."), 3},
	} {
		tc.cmd.Dir = dir
		tc.cmd.Env = append(os.Environ(), "GOWORK=off")
		out, err := tc.cmd.CombinedOutput()
		got := string(out)
		var exit *exec.ExitError
		switch {
		case err == nil:
			t.Errorf("%s: exit status 0, want %d; output:\n%s", tc.mode, tc.exitCode, got)
		case !errors.As(err, &exit):
			t.Fatalf("%s: %v", tc.mode, err)
		case exit.ExitCode() != tc.exitCode:
			t.Errorf("%s: exit status %d, want %d; output:\n%s", tc.mode, exit.ExitCode(), tc.exitCode, got)
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: output lacks\n\t%s\noutput:\n%s", tc.mode, w, got)
			}
		}
		if n := strings.Count(got, "orch.go:"); n != len(want) {
			t.Errorf("%s: %d findings, want %d; output:\n%s", tc.mode, n, len(want), got)
		}
		if strings.Contains(got, "steps.go:7:") {
			t.Errorf("%s: reported in package steps, which has no orchestrator; output:\n%s", tc.mode, got)
		}
	}
}

// fixtureModule copies testdata/fixture to a temporary directory, pointing
// its replace directive at this repository and its go directive at this
// repository's go version, and returns the directory.
func fixtureModule(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	rootMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go \S+$`)
	dir := t.TempDir()
	src := filepath.Join("testdata", "fixture")
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			data = goLine.ReplaceAll(data, goLine.Find(rootMod))
			data = regexp.MustCompile(`(?m)^replace .*$`).ReplaceAllLiteral(data,
				[]byte("replace github.com/godurable/durablefunctions => "+strconv.Quote(filepath.ToSlash(root))))
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}
