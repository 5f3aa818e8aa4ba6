package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkWritable finds, before SQLite opens the database at path, what
// would keep the store from writing, and says which path it is. Left to
// SQLite, a read-only file opens read-only and the first write fails with
// "attempt to write a readonly database", and a read-only directory fails
// later still, when the WAL file cannot be created; neither names the
// culprit.
//
// The directory must take new files: SQLite creates the -wal and -shm
// files beside the database (and removes them on close). The database
// file and any -wal or -shm file left there must open for writing.
// Opening for writing changes nothing in a file.
func checkWritable(path string) error {
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".durable-writable-*")
	if err != nil {
		return fmt.Errorf("sqlite store %s: the directory %s is not writable (SQLite creates its -wal and -shm files there): %w", path, dir, err)
	}
	name := probe.Name()
	_ = probe.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("sqlite store %s: the directory %s does not let files be removed: %w", path, dir, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return fmt.Errorf("sqlite store %s: the file %s is not writable: %w", path, p, err)
		default:
			_ = f.Close()
		}
	}
	return nil
}
