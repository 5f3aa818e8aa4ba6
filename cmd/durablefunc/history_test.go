package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

func hello(ctx *durable.OrchestrationContext) (any, error) {
	var s string
	err := ctx.CallActivity("SayHello", "Tokyo").Await(&s)
	return s, err
}

func TestHistoryExport(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "host.json"), []byte(`{"version":"2.0","extensions":{"durableTask":{"hubName":"Hub1","storageProvider":{"type":"sqlite"}}}}`), 0o644))
	path := filepath.Join(dir, ".durable", "Hub1.db")
	must(os.MkdirAll(filepath.Dir(path), 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := sqlitestore.Open(ctx, path)
	must(err)
	reg := durable.NewRegistry()
	must(reg.AddOrchestrator("Hello", hello))
	must(reg.AddActivity("SayHello", durable.ActivityOf(func(_ context.Context, s string) (string, error) { return "Hello " + s, nil })))
	rt := durable.NewRuntime(reg, store)
	rt.Start()
	id, err := rt.Client().StartNew(ctx, "Hello", nil, durable.WithInstanceID("inst-1"))
	must(err)
	_, err = rt.Client().WaitForCompletion(ctx, id)
	must(err)
	must(rt.Close(ctx))

	var out bytes.Buffer
	must(historyCommand([]string{"export", "inst-1", "--app", dir}, &out))
	res, err := durabletest.CheckReplay(hello, out.Bytes())
	if err != nil || res.Status != durable.StatusCompleted || string(res.Output) != `"Hello Tokyo"` {
		t.Fatalf("replay of the export: %+v, %v\n%s", res, err, out.String())
	}

	out.Reset()
	must(historyCommand([]string{"export", "--db", path, "inst-1"}, &out))
	if !strings.Contains(out.String(), `"instanceId": "inst-1"`) {
		t.Fatalf("export %s", out.String())
	}
	if err := historyCommand([]string{"export", "nope", "--db", path}, &out); err == nil {
		t.Fatal("exported an unknown instance")
	}
	if err := historyCommand([]string{"export"}, &out); err == nil || !strings.Contains(err.Error(), "instance id is missing") {
		t.Fatalf("err %v", err)
	}
}
