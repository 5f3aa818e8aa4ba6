// Package azurestore opens a task hub in Azure Storage: the store for apps
// that run on many machines. It is a package of its own so that programs
// that do not use Azure Storage do not link the Azure SDK.
//
//	store, err := azurestore.Open(ctx, azurestore.Options{HubName: "MyHub", Setting: os.Getenv})
//	rt := durable.NewRuntime(reg, store, durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour))
package azurestore

import (
	"context"
	"log/slog"
	"time"

	"github.com/godurable/durablefunctions/internal/store/azurestorage"
)

// Options configure Open. Zero values take the
// Durable Functions defaults.
type Options struct {
	// HubName is the task hub: queues, tables and containers are named
	// after it.
	HubName string
	// ConnectionName is the app setting holding the connection string, or
	// the prefix of an identity-based connection (<name>__accountName, ...);
	// default AzureWebJobsStorage.
	ConnectionName string
	// Setting reads app settings (default: none; pass os.Getenv).
	Setting func(string) string

	PartitionCount                 int
	ControlQueueBatchSize          int
	ControlQueueVisibilityTimeout  time.Duration
	WorkItemQueueVisibilityTimeout time.Duration
	MaxQueuePollingInterval        time.Duration
	Logger                         *slog.Logger
}

// Open opens (creating if needed) a task hub in Azure
// Storage, laid out like the Durable Task Framework's provider so that many
// processes can share it. Use WithMaxTimerInterval(6 days, 3 days) on the
// runtime: queue messages cannot be delayed longer.
func Open(ctx context.Context, o Options) (*Store, error) {
	name := o.ConnectionName
	if name == "" {
		name = "AzureWebJobsStorage"
	}
	get := o.Setting
	if get == nil {
		get = func(string) string { return "" }
	}
	conn, err := azurestorage.ConnectionFromSettings(name, get)
	if err != nil {
		return nil, err
	}
	s, err := azurestorage.Open(ctx, azurestorage.Config{
		HubName: o.HubName, Connection: conn, PartitionCount: o.PartitionCount,
		ControlQueueBatchSize: o.ControlQueueBatchSize, ControlQueueVisibilityTimeout: o.ControlQueueVisibilityTimeout,
		WorkItemQueueVisibilityTimeout: o.WorkItemQueueVisibilityTimeout, MaxQueuePollingInterval: o.MaxQueuePollingInterval,
		Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	return &Store{Store: s}, nil
}

// Store is a durable.Store in Azure Storage.
type Store struct {
	*azurestorage.Store
}

// Requests returns how many storage requests the store made, by kind
// ("queue.enqueue", "table.write", ...): Azure Storage bills per request.
func (s *Store) Requests() map[string]int64 {
	return s.Stats()
}
