package azurequeue

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/azurite"
)

// TestMain is the test binary (one Azurite for the package) or, when
// childEnv is set, the poller process that kill_test.go kills.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(azurite.Main(m))
}

// t0 is the virtual clock's start.
var t0 = time.Date(2025, 1, 15, 10, 7, 30, 0, time.UTC)

// sharedAzurite is the package's Azurite; -short skips the tests that
// need it.
func sharedAzurite(t *testing.T) *azurite.Instance {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the Azure Storage (Azurite) tests")
	}
	return azurite.Shared(t)
}

func quietLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
