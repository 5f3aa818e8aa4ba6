package durable_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A program that imports only durable (and so can use only the memory
// store) must not pay for the stores it does not use: the SQLite driver
// and the Azure SDK live behind durable/sqlitestore and durable/azurestore.
func TestImportingDurableLinksNeitherSQLiteNorTheAzureSDK(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/godurable/durablefunctions/durable").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages; expected the standard library at least", len(deps))
	}
	for _, d := range deps {
		for _, banned := range []string{"modernc.org/sqlite", "github.com/Azure/", "github.com/apache/arrow", "github.com/redis/", "google.golang.org/grpc"} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("durable links %s", d)
			}
		}
	}
}

// go doc folds a var block into its first name ("var ErrA = ... ..."), which
// hid ErrInstanceExists from a user who then answered 500 for a duplicate
// id. Every sentinel error gets a declaration, and a line in go doc, of its
// own.
func TestGoDocListsEverySentinelErrorOnItsOwnLine(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command("go", "doc", "github.com/godurable/durablefunctions/durable").CombinedOutput()
	if err != nil {
		t.Fatalf("go doc: %v\n%s", err, out)
	}
	for _, name := range []string{"ErrCanceled", "ErrDuplicateFunction", "ErrEntityNotFound", "ErrInstanceExists",
		"ErrInstanceNotFound", "ErrInvalidEntityID", "ErrInvalidInstanceID", "ErrInvalidName", "ErrInvalidQuery"} {
		if !strings.Contains(string(out), "\nvar "+name+" = ") {
			t.Errorf("go doc does not list %s on a line of its own", name)
		}
	}
	if strings.Contains(string(out), "... ...") {
		t.Errorf("go doc folds a var or const block:\n%s", out)
	}
}
