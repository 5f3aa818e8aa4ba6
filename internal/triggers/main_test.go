package triggers

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/azurestorage"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if az != nil {
		az.Close()
	}
	os.Exit(code)
}

var (
	azOnce sync.Once
	az     *azurite.Instance
	azErr  error
)

// sharedAzurite starts one Azurite for the package's tests that need it.
func sharedAzurite(t *testing.T) *azurite.Instance {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the Azure Storage (Azurite) tests")
	}
	azOnce.Do(func() { az, azErr = azurite.StartWith(azurite.Options{InMemory: true}) })
	if azErr != nil {
		if azurite.Required() {
			t.Fatalf("AZURITE REQUIRED but unavailable: %v", azErr)
		}
		t.Skipf("SKIPPED: Azurite unavailable: %v (install it with `%s`)", azErr, azurite.InstallHint)
	}
	return az
}

// openAzureHub opens the task hub as one more process would.
func openAzureHub(t *testing.T, inst *azurite.Instance, hub string) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := azurestorage.Open(ctx, azurestorage.Config{HubName: hub,
		Connection: azurestorage.Connection{ConnectionString: inst.ConnectionString()}, Logger: quietLog()})
	if err != nil {
		t.Fatalf("open task hub %s on Azurite: %v", hub, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func quietLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
