package apicheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// docs/architecture.md is the map a newcomer reads first: every package
// directory of the module is on it.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	root := "../.."
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile(`[A-Za-z0-9_./-]+/`).FindAllString(string(doc), -1) {
		named[strings.TrimSuffix(strings.TrimPrefix(m, "./"), "/")] = true
	}
	var missing []string
	seen := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			base := d.Name()
			if rel != "." && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "testdata" || base == "node_modules" || rel == "tools") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if dir == "." || named[dir] || strings.HasPrefix(dir, "cmd/durablefunc/skeleton") {
			return nil
		}
		named[dir] = true // report each directory once
		missing = append(missing, dir)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir := range named {
		if _, err := os.Stat(filepath.Join(root, dir)); err == nil {
			seen++
		}
	}
	if seen < 20 {
		t.Fatalf("docs/architecture.md names %d directories that exist; the walk or the doc is broken", seen)
	}
	sort.Strings(missing)
	for _, dir := range missing {
		t.Errorf("docs/architecture.md does not name the package directory %s/", dir)
	}
}
