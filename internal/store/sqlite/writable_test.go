package sqlite

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readOnly makes path unwritable for this process until the test ends.
// Root writes through file modes, so as root the file or directory is made
// immutable (chattr +i), which stops root too.
func readOnly(t *testing.T, path string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
			t.Skipf("running as root and chattr +i %s failed (%v: %s): cannot make a path read-only for root here", path, err, out)
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, fi.Mode().Perm()&^0o222); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(path, fi.Mode().Perm()) })
}

func TestAnUnwritableDatabaseIsReportedAtOpenByPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup returns the database path and the path the error must name.
		setup func(t *testing.T) (db, culprit string)
	}{
		{"a new database in a read-only directory", func(t *testing.T) (string, string) {
			dir := t.TempDir()
			readOnly(t, dir)
			return filepath.Join(dir, "hub.db"), dir
		}},
		{"an existing database in a read-only directory", func(t *testing.T) (string, string) {
			db := existingDatabase(t)
			readOnly(t, filepath.Dir(db))
			return db, filepath.Dir(db)
		}},
		{"a read-only database file", func(t *testing.T) (string, string) {
			db := existingDatabase(t)
			readOnly(t, db)
			return db, db
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, culprit := tc.setup(t)
			s, err := Open(context.Background(), db)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%s) succeeded; want an error naming %s", db, culprit)
			}
			if msg := err.Error(); !strings.Contains(msg, culprit+" is not writable") {
				t.Fatalf("Open(%s) = %q; want it to say %s is not writable", db, msg, culprit)
			}
		})
	}
}

// existingDatabase creates a database and closes it.
func existingDatabase(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "hub.db")
	s, err := Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	return db
}
