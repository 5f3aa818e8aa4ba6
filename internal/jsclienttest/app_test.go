package jsclienttest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/samples/app"
)

const samplesDir = "../../samples"

// appConfig is what differs between the runs of the sample app.
type appConfig struct {
	hub string
	// storageProvider is host.json's extensions.durableTask.storageProvider.
	storageProvider map[string]any
	// settings go to local.settings.json Values, as a user would set them.
	settings map[string]string
	// holds reports whether the store holds the hub's data after a run in
	// the app directory dir, so that a run on the wrong store cannot pass.
	holds func(dir string) error
}

// startSamples serves the sample app standalone on a free loopback port
// from a copy of its function.json files with cfg's host.json, and returns
// the management API's base URL and the app directory. The server stops
// when t ends.
func startSamples(t *testing.T, cfg appConfig) (base, dir string) {
	t.Helper()
	dir = t.TempDir()
	copyFunctions(t, dir)
	host := map[string]any{
		"version": "2.0",
		"extensions": map[string]any{
			"http":        map[string]any{"routePrefix": "api"},
			"durableTask": map[string]any{"hubName": cfg.hub, "storageProvider": cfg.storageProvider},
		},
	}
	writeJSON(t, filepath.Join(dir, "host.json"), host)
	writeJSON(t, filepath.Join(dir, "local.settings.json"), map[string]any{"IsEncrypted": false, "Values": cfg.settings})
	// Warnings and errors only: go test shows them next to a failure.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := handler.Start(t.Context(), app.New(), &handler.Options{Mode: handler.Standalone, AppDir: dir, Addr: "127.0.0.1:0", Logger: log})
	if err != nil {
		t.Fatalf("start the sample app: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shut the sample app down: %v", err)
		}
	})
	return "http://" + s.Addr() + "/runtime/webhooks/durabletask", dir
}

// copyFunctions copies every samples/<Function>/function.json into dir.
func copyFunctions(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(samplesDir, "*", "function.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no function.json under %s (%v)", samplesDir, err)
	}
	for _, src := range files {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(filepath.Dir(src)), "function.json")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		t.Fatal(fmt.Errorf("write %s: %w", path, err))
	}
}
