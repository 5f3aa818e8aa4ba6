package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The skeleton keeps the default SQLite store, so it must not link what
// only other stores and triggers need: the Azure SDK (and Apache Arrow,
// which its blob client pulls in) and the Redis client. Adding the one
// line app.Use(azurestore.Provider) to its main.go links the Azure SDK:
// the opt-in, not an accident of imports, decides.
func TestTheSkeletonLinksTheAzureSDKAndRedisOnlyWhenMainOptsIn(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy and go list on a generated app")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "lean")
	if err := run([]string{"init", "--module", "example.com/lean", "--replace", repo, dir}, &bytes.Buffer{}); err != nil {
		t.Fatalf("init: %v", err)
	}
	goCmd(t, dir, "mod", "tidy")
	deps := listDeps(t, dir)
	for _, banned := range []string{"github.com/Azure/azure-sdk-for-go", "github.com/apache/arrow", "github.com/redis/go-redis"} {
		if d := withPrefix(deps, banned); d != "" {
			t.Errorf("the skeleton links %s", d)
		}
	}
	if withPrefix(deps, "modernc.org/sqlite") == "" {
		t.Errorf("the skeleton does not link the SQLite driver of its default store")
	}

	main := filepath.Join(dir, "main.go")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	opted := strings.Replace(string(src), "\tapp := handler.NewApp()\n", "\tapp := handler.NewApp()\n\tapp.Use(azurestore.Provider)\n", 1)
	opted = strings.Replace(opted, `import "github.com/godurable/durablefunctions/handler"`,
		"import (\n\t\"github.com/godurable/durablefunctions/durable/azurestore\"\n\t\"github.com/godurable/durablefunctions/handler\"\n)", 1)
	if opted == string(src) || !strings.Contains(opted, "azurestore.Provider") || !strings.Contains(opted, "durable/azurestore\"") {
		t.Fatalf("main.go no longer has the shape this test edits:\n%s", src)
	}
	if err := os.WriteFile(main, []byte(opted), 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd(t, dir, "mod", "tidy")
	if withPrefix(listDeps(t, dir), "github.com/Azure/azure-sdk-for-go") == "" {
		t.Errorf("with app.Use(azurestore.Provider) the app still does not link the Azure SDK")
	}
}

func listDeps(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

func withPrefix(deps []string, prefix string) string {
	for _, d := range deps {
		if strings.HasPrefix(d, prefix) {
			return d
		}
	}
	return ""
}
