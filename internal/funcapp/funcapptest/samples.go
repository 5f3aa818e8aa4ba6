package funcapptest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// SamplesDir returns the path of the repository's samples/ folder, the
// sample app's function.json files and host.json variants.
func SamplesDir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("funcapptest: cannot locate its own source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "samples")
}

// WriteSampleApp writes the sample app's function.json files, with files
// added (host.json, local.settings.json, ...; slash-separated paths), into
// a new temporary directory and returns its path: the sample app as a user
// would deploy it, with the configuration a test chooses.
func WriteSampleApp(t testing.TB, files map[string]string) string {
	t.Helper()
	src := SamplesDir(t)
	found, err := filepath.Glob(filepath.Join(src, "*", "function.json"))
	if err != nil || len(found) == 0 {
		t.Fatalf("funcapptest: no function.json under %s (%v)", src, err)
	}
	all := make(map[string]string, len(found)+len(files))
	for _, path := range found {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		all[filepath.Base(filepath.Dir(path))+"/function.json"] = string(data)
	}
	for name, content := range files {
		all[name] = content
	}
	return WriteApp(t, all)
}
