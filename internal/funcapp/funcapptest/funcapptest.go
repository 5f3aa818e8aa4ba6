// Package funcapptest writes function apps for tests: host.json,
// local.settings.json and the function.json folders, from a map of
// slash-separated paths to contents, into a temporary directory.
//
//	dir := funcapptest.WriteApp(t, map[string]string{
//		"host.json":           `{"version":"2.0"}`,
//		"Hello/function.json": `{"bindings":[{"type":"activityTrigger","name":"input"}]}`,
//	})
//
// WriteSampleApp writes the repository's sample app the same way, with the
// host.json and settings a test chooses.
package funcapptest

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteApp writes files into a new temporary directory (removed when the
// test ends) and returns its path.
func WriteApp(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
