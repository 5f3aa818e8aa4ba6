package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

func TestNewWritesAFunctionJSONTheAppLoaderAccepts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "host.json"), []byte(`{"version":"2.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind, name, wantReg string
		wantKind            funcapp.Kind
	}{
		{"orchestrator", "Hello", `app.Orchestrator("Hello", Hello)`, funcapp.KindOrchestration},
		{"activity", "SayHi", `app.Activity("SayHi", durable.ActivityOf(SayHi))`, funcapp.KindActivity},
		{"entity", "Tally", `app.Entity("Tally", Tally)`, funcapp.KindEntity},
		{"http", "Start", `app.HTTP("Start", Start)`, funcapp.KindHTTP},
		{"queue", "FromQueue", `app.Queue("FromQueue", FromQueue)`, funcapp.KindQueue},
		{"queue", "Polled", "app.Use(azurestore.Provider)", funcapp.KindQueue},
		{"eventhub", "FromHub", `app.EventHub("FromHub", FromHub)`, funcapp.KindEventHub},
		{"timer", "Nightly", `app.Timer("Nightly", Nightly)`, funcapp.KindTimer},
		{"management-api", "DurableTaskApi", "nothing to register", funcapp.KindHTTP},
		{"wake", "DurableTaskWake", "nothing to register", funcapp.KindTimer},
	}
	for _, c := range cases {
		var out bytes.Buffer
		if err := run([]string{"new", "--kind", c.kind, "--name", c.name, "--app", dir}, &out); err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if !strings.Contains(out.String(), c.wantReg) {
			t.Errorf("%s: output %q does not show %q", c.kind, out.String(), c.wantReg)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, c.name, "function.json"))
		if !json.Valid(raw) {
			t.Errorf("%s: invalid JSON: %s", c.kind, raw)
		}
	}
	app, err := funcapp.LoadApp(dir)
	if err != nil {
		t.Fatalf("the generated app does not load: %v", err)
	}
	for _, c := range cases {
		if f := app.Function(c.name); f == nil || f.Kind() != c.wantKind {
			t.Errorf("%s: loaded as %v", c.name, f)
		}
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := [][]string{
		{"new", "--kind", "orchestrator"},
		{"new", "--kind", "nope", "--name", "X", "--app", dir},
		{"new", "--kind", "activity", "--name", "../escape", "--app", dir},
		{"frobnicate"},
	}
	for _, args := range cases {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: want an error", args)
		}
	}
	if err := run([]string{"new", "--kind", "activity", "--name", "A", "--app", dir}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"new", "--kind", "activity", "--name", "A", "--app", dir}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("overwriting without --force: %v", err)
	}
}
