package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// smallDisk mounts a tmpfs of size bytes for the test, or skips when this
// process may not mount (only root may, and not in every container).
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("mounting a small file system needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// ballast fills the file system at dir with one file until no byte is
// left, and returns its path.
func ballast(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return path
		}
	}
}

func TestAFullDiskRecoversOnceSpaceIsFreedWithoutARestart(t *testing.T) {
	dir := smallDisk(t, 8<<20)
	s := openWith(t, filepath.Join(dir, "hub.db"))
	ctx := context.Background()
	start := func(id string) error {
		return s.CreateInstance(ctx, history.NewExecutionStarted(time.Now(), "Orch", id, id+"-1", `""`, nil, nil), store.CreateOptions{})
	}
	if err := start("before"); err != nil {
		t.Fatal(err)
	}
	path := ballast(t, dir)
	// Writes fail while the disk is full: a start that cannot be written
	// must say so, never report success.
	var failed error
	for i := 0; i < 2000 && failed == nil; i++ {
		failed = start(fmt.Sprintf("full-%d", i))
	}
	if failed == nil {
		t.Fatal("2,000 starts succeeded on a full disk; want a disk-full error")
	}
	t.Logf("on the full disk: %v", failed)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := start(fmt.Sprintf("after-%d", i)); err != nil {
			t.Fatalf("start %d after space was freed: %v; want the store to write again without a restart", i, err)
		}
	}
	for _, id := range []string{"before", "after-0", "after-49"} {
		if _, err := s.GetInstance(ctx, id); err != nil {
			t.Fatalf("GetInstance(%q) after the disk filled and emptied: %v", id, err)
		}
	}
	if in, err := s.GetInstance(ctx, "full-0"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetInstance(%q), whose start failed, = %+v, %v; want not found", "full-0", in, err)
	}
	// Again with a large transaction, which needs the WAL to grow, and
	// the checkpointer copying into a database file that must grow too.
	path = ballast(t, dir)
	if err := fillChunk(s, 0, 500); err == nil {
		t.Fatal("writing 500 instances on a full disk succeeded; want a disk-full error")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * checkpointInterval) // the checkpointer runs into the freed space
	if err := fillChunk(s, 0, 500); err != nil {
		t.Fatalf("writing 500 instances once space was freed: %v", err)
	}
	if _, err := s.ListInstances(ctx, &store.Query{PageSize: 10}); err != nil {
		t.Fatalf("list after the disk filled and emptied: %v", err)
	}
}
