package dashboard_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/hostemu"
	"github.com/godurable/durablefunctions/samples/app"
)

// Behind the Functions host the dashboard is reached through the management
// function (DurableTaskApi, route durabletask/{*path}): the host invokes the
// app with each request wrapped in an invocation, for the page, its
// stylesheets and modules as for the API calls. The host emulator plays the
// host here, over real HTTP.
func TestTheDashboardWorksBehindTheFunctionsHost(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the tests that run the sample app and a browser")
	}
	chromiumPath(t)
	t.Setenv("AzureFunctionsJobHost__extensions__durableTask__storageProvider__type", "memory")
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	t.Cleanup(func() { slog.SetDefault(prev) })
	dir, err := filepath.Abs("../../samples")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := handler.Start(t.Context(), app.New(), &handler.Options{
		Mode: handler.BehindHost, AppDir: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("start the sample app behind the host: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	settings, err := funcapp.LoadSettings(dir, false, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	fa, err := funcapp.LoadAppWithSettings(dir, settings)
	if err != nil {
		t.Fatal(err)
	}
	host := hostemu.New(fa, "http://"+srv.Addr())
	ctx, cancel := context.WithTimeout(t.Context(), waitLong)
	defer cancel()
	if err := host.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(host)
	t.Cleanup(front.Close)

	if _, err := srv.Client().StartNew(t.Context(), "HelloSequence", nil, durable.WithInstanceID("behind-host-1")); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1280, 900)
	b.open(front.URL + "/api/durabletask/ui")
	b.settled()
	if got := eval[string](b, `location.pathname`); got != "/api/durabletask/ui/" {
		b.fail("the page is at %s, want /api/durabletask/ui/", got)
	}
	b.waitFor(`document.querySelector('#instances-table tr[data-instance-id="behind-host-1"]') !== null`)
	if lists := b.requested("/api/durabletask/instances?"); len(lists) != 1 {
		b.fail("list requests %v, want one to /api/durabletask/instances", lists)
	}
	b.loading(func() { b.click(`a[href="#/instances/behind-host-1"]`) })
	b.reloadUntil(`document.querySelector('#instance-status').innerText === 'Completed'`)
	if n := countRows(ganttRows(b), "activity", "completed"); n != 3 {
		b.fail("the timeline shows %d completed activities, want 3", n)
	}
	if strings.Contains(strings.Join(b.requested("/runtime/webhooks"), " "), "/runtime/webhooks") {
		b.fail("the page called the runtime path behind the host: %v", b.requested("/runtime/webhooks"))
	}
}
