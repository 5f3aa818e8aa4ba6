package versiontest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/azurestorage"
)

// hub opens a task hub for each worker. SQLite serves one process, so its
// workers share one store; Azure Storage workers each open their own, and
// lease the hub's partitions between them as separate processes would.
type hub interface {
	open(t *testing.T, worker string) *durable.Store
	// stop ends a worker; with its own store it closes it, releasing its
	// partitions to the other workers.
	stop(t *testing.T, rt *durable.Runtime)
}

type sqliteHub struct{ st *durable.Store }

func newSQLiteHub(t *testing.T) hub {
	st, err := sqlitestore.Open(context.Background(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &sqliteHub{st: st}
}

func (h *sqliteHub) open(*testing.T, string) *durable.Store { return h.st }

func (h *sqliteHub) stop(t *testing.T, rt *durable.Runtime) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rt.Stop(ctx); err != nil {
		t.Errorf("stop worker: %v", err)
	}
}

var hubSeq atomic.Int64

type azureHub struct {
	conn, name string
}

func newAzureHub(t *testing.T) hub {
	az := azurite.Shared(t)
	return &azureHub{conn: az.ConnectionString(), name: fmt.Sprintf("ver%dx%d", time.Now().UnixNano()%1_000_000_000, hubSeq.Add(1))}
}

func (h *azureHub) open(t *testing.T, worker string) *durable.Store {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := azurestorage.Open(ctx, azurestorage.Config{
		HubName: h.name, Connection: azurestorage.Connection{ConnectionString: h.conn},
		PartitionCount: 4, MaxQueuePollingInterval: 200 * time.Millisecond,
		ControlQueueVisibilityTimeout: 20 * time.Second, WorkItemQueueVisibilityTimeout: 20 * time.Second,
		LeaseDuration: 15 * time.Second, LeaseRenewInterval: 3 * time.Second, LeaseAcquireInterval: 500 * time.Millisecond,
		WorkerID: worker, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("open the Azure Storage hub for %s: %v", worker, err)
	}
	return store.NewHandle(s)
}

func (h *azureHub) stop(t *testing.T, rt *durable.Runtime) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := rt.Close(ctx); err != nil {
		t.Errorf("close worker: %v", err)
	}
}
