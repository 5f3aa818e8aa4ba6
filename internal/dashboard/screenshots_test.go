package dashboard_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// go test ./internal/dashboard -run Screenshots -screenshots ../../docs/img
// refreshes the pictures of docs/dashboard.md; without the flag they go to
// a temporary folder and are only checked.
var screenshotDir = flag.String("screenshots", "", "write the dashboard screenshots to this folder")

func TestScreenshotsOfTheListAndAnInstance(t *testing.T) {
	a := startSampleApp(t)
	retry := seedVariety(t, a)
	dir := *screenshotDir
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shots := []struct {
		file, route   string
		width, height int
	}{
		{"dashboard-list.png", "", 1280, 800},
		{"dashboard-instance.png", "/instances/" + retry, 1280, 800},
		{"dashboard-entity-calls.png", "/instances/transfer-1?tab=entities", 1280, 800},
		{"dashboard-waiting.png", "/instances/approval-1", 1280, 800},
		{"dashboard-narrow.png", "/instances/" + retry, 390, 844},
	}
	for _, s := range shots {
		t.Run(s.file, func(t *testing.T) {
			b := newBrowser(t, s.width, s.height)
			b.open(a.dashboardURL(s.route))
			b.settled()
			path := filepath.Join(dir, s.file)
			b.screenshot(path)
			png, err := os.ReadFile(path)
			if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10_000 {
				t.Fatalf("%s is not a picture of the page (%d bytes, %v)", path, len(png), err)
			}
		})
	}
}
