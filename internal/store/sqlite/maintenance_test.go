package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/godurable/durablefunctions/internal/store"
)

func openWith(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func withWALLimit(n int64) Option     { return func(c *config) { c.walLimit = n } }
func withConvertLimit(n int64) Option { return func(c *config) { c.convertLimit = n } }

func pragma(t *testing.T, db *sql.DB, name string) int64 {
	t.Helper()
	var v int64
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatalf("PRAGMA %s: %v", name, err)
	}
	return v
}

func TestTheWALStaysBoundedWhileABulkWriteRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal.db")
	s := openWith(t, path, withWALLimit(2<<20))
	stop := walWatch(path)
	fillHub(t, s, hubShape{n: 12_000}) // about 33 MiB of WAL frames
	if top := stop(); top > 16<<20 {
		t.Fatalf("the WAL reached %s during the fill, want it kept near its 2 MiB bound", mib(top))
	}
}

func TestAPurgeGivesTheSpaceBackToTheFileSystem(t *testing.T) {
	s := openWith(t, filepath.Join(t.TempDir(), "space.db"))
	if mode := pragma(t, s.wdb, "auto_vacuum"); mode != autoVacuumIncremental {
		t.Fatalf("a new database has auto_vacuum %d, want incremental", mode)
	}
	// Enough to dwarf the free pages reclaim may leave (reclaimFloor).
	fillHub(t, s, hubShape{n: 12_000})
	before := pragma(t, s.rdb, "page_count")
	if _, err := s.PurgeInstances(context.Background(), &store.PurgeFilter{}); err != nil {
		t.Fatal(err)
	}
	after, free := pragma(t, s.rdb, "page_count"), pragma(t, s.rdb, "freelist_count")
	if after > before/3 || free > reclaimFloor {
		t.Fatalf("%d pages before the purge, %d after with %d free; want the purged pages released", before, after, free)
	}
}

// oldDatabase writes a database as the first schema version left it:
// auto_vacuum off, one finished instance.
func oldDatabase(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		migrations[0],
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (1)`,
		`INSERT INTO instances VALUES ('old', 'e', 'Orch', 1, '', '', '', '', 1, 2, 0, 0, '', '')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAnExistingDatabaseGetsIncrementalVacuumOnlyWhenSmall(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int64
		want  int64
	}{{"small", defaultConvertLimit, autoVacuumIncremental}, {"large", 1, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			oldDatabase(t, path)
			s := openWith(t, path, withConvertLimit(tc.limit))
			if mode := pragma(t, s.wdb, "auto_vacuum"); mode != tc.want {
				t.Fatalf("auto_vacuum %d, want %d", mode, tc.want)
			}
			old, err := s.GetInstance(context.Background(), "old")
			if err != nil || !old.CompletedAt.Equal(old.LastUpdatedAt) {
				t.Fatalf("the old finished row = %+v, %v; want it kept, its completion time its last update", old, err)
			}
			n, err := s.PurgeInstances(context.Background(), &store.PurgeFilter{CompletedTo: old.LastUpdatedAt.Add(1)})
			if err != nil || n != 1 {
				t.Fatalf("retention purge of the old row = %d, %v; want 1", n, err)
			}
		})
	}
}
