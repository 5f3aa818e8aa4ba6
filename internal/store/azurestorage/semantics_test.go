package azurestorage_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/azurestore"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store/e2etest"
)

var semanticsHub atomic.Int64

func TestEngineSemanticsOnAzureStorage(t *testing.T) {
	az := azurite.Shared(t)
	e2etest.Run(t, func(t *testing.T) *durable.Store {
		s, err := azurestore.Open(context.Background(), azurestore.Options{
			HubName:                 fmt.Sprintf("sem%dx%d", time.Now().UnixNano()%1_000_000, semanticsHub.Add(1)),
			Setting:                 func(string) string { return az.ConnectionString() },
			PartitionCount:          2,
			MaxQueuePollingInterval: 100 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour))
}
