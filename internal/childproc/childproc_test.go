package childproc

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAProcessIsReadyRunningAndThenStoppedByHalt(t *testing.T) {
	tests := []struct {
		name string
		kill bool
	}{
		{"SIGTERM stops a process that honours it", false},
		{"SIGKILL stops a process at once", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Start("sh", []string{"-c", "echo up; exec sleep 60"}, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if err := p.WaitReady("sleeper", 10*time.Second, func() bool { return strings.Contains(p.Output(), "up") }); err != nil {
				t.Fatal(err)
			}
			if !p.Running() {
				t.Fatal("not running after it said it was up")
			}
			p.Halt(tt.kill)
			if p.Running() {
				t.Fatal("still running after Halt")
			}
		})
	}
}

func TestWaitReadyReportsAProcessThatExitsDuringStartupWithItsOutput(t *testing.T) {
	p, err := Start("sh", []string{"-c", "echo bad config >&2; exit 3"}, "")
	if err != nil {
		t.Fatal(err)
	}
	err = p.WaitReady("server", 10*time.Second, func() bool { return false })
	if err == nil || !strings.Contains(err.Error(), "server exited during startup") || !strings.Contains(err.Error(), "bad config") {
		t.Fatalf("WaitReady = %v, want the exit and the process's output", err)
	}
}

func TestAMissingServiceSkipsOrFailsAsTheEnvironmentRequires(t *testing.T) {
	svc := Service{Name: "Thing", RequireEnv: "CHILDPROC_TEST_REQUIRE_THING", InstallHint: "apt-get install thing"}
	tests := []struct {
		name, require, ci string
		required          bool
	}{
		{"nothing set: a missing service skips", "", "", false},
		{"the variable set: it fails", "1", "", true},
		{"the variable 0: it skips", "0", "", false},
		{"CI set: it fails", "", "true", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(svc.RequireEnv, tt.require)
			t.Setenv("CI", tt.ci)
			if got := svc.Required(); got != tt.required {
				t.Errorf("Required() = %v, want %v", got, tt.required)
			}
			want := 0
			if tt.required {
				want = 1
			}
			if got := svc.MainUnavailable(errors.New("not found")); got != want {
				t.Errorf("MainUnavailable = %d, want %d", got, want)
			}
		})
	}
}
