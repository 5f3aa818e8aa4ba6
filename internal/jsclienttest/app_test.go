package jsclienttest

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/funcapp/funcapptest"
	"github.com/godurable/durablefunctions/samples/app"
)

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
	host := map[string]any{
		"version": "2.0",
		"extensions": map[string]any{
			"http":        map[string]any{"routePrefix": "api"},
			"durableTask": map[string]any{"hubName": cfg.hub, "storageProvider": cfg.storageProvider},
		},
	}
	dir = funcapptest.WriteSampleApp(t, map[string]string{
		"host.json":           mustJSON(t, host),
		"local.settings.json": mustJSON(t, map[string]any{"IsEncrypted": false, "Values": cfg.settings}),
	})
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

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
