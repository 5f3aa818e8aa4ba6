package redis

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/internal/store"
)

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// openLogged opens a store on addr and returns what it logged at Open.
func openLogged(t *testing.T, addr string) string {
	t.Helper()
	var buf logBuffer
	cfg := testConfig(Connection{Addrs: []string{addr}}, uniqueHub("dur"), store.SystemClock{})
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, nil))
	s := openTest(t, cfg)
	_ = s.Close()
	return buf.String()
}

func TestOpenWarnsWhenRedisKeepsNoAcknowledgedWrites(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{})
	if got := openLogged(t, srv.Addr()); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "no persistence") {
		t.Fatalf("log at Open without persistence:\n%s", got)
	}
}

func TestOpenWarnsWhenRedisKeepsOnlySnapshots(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{Args: []string{"--save", "900 1"}})
	if got := openLogged(t, srv.Addr()); !strings.Contains(got, "only RDB snapshots") {
		t.Fatalf("log at Open with RDB only:\n%s", got)
	}
}

func TestOpenIsQuietWhenEveryWriteIsFsynced(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{AppendFsync: "always"})
	if got := openLogged(t, srv.Addr()); strings.Contains(got, "level=WARN") {
		t.Fatalf("warning with appendfsync always:\n%s", got)
	}
}

func TestPersistenceIsReadFromInfoWhereConfigIsDisabled(t *testing.T) {
	srv := redisserver.Start(t, redisserver.Options{AppendFsync: "everysec", Args: []string{"--rename-command", "CONFIG", ""}})
	c, err := Connect(context.Background(), Connection{Addrs: []string{srv.Addr()}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d := ReadDurability(context.Background(), c)
	if !d.Known || !d.AppendOnly || !d.Safe() {
		t.Fatalf("durability read through INFO = %+v, want a known append-only file", d)
	}
}
