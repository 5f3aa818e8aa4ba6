// Package azurestore opens a task hub in Azure Storage: the store for apps
// that run on many machines. It is a package of its own so that programs
// that do not use Azure Storage do not link the Azure SDK.
//
//	st, err := azurestore.Open(ctx, azurestore.Options{HubName: "MyHub", Setting: os.Getenv})
//	rt := durable.NewRuntime(reg, st, durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour))
//
// A function app built with package handler does not call Open: it passes
// Provider to App.Use, and host.json's storageProvider selects the store.
package azurestore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/store"
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

	// TrackingConnectionName, when set, is the app setting (or
	// identity-based prefix) of the account that holds the History and
	// Instances tables, named TrackingNamePrefix + "History" and
	// "Instances" there (default prefix DurableTask), as Durable
	// Functions' trackingStoreConnectionStringName and
	// trackingStoreNamePrefix do. Without it the prefix has no effect.
	TrackingConnectionName string
	TrackingNamePrefix     string

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
func Open(ctx context.Context, o Options) (*durable.Store, error) {
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
	var tracking *azurestorage.Connection
	if o.TrackingConnectionName != "" {
		c, err := azurestorage.ConnectionFromSettings(o.TrackingConnectionName, get)
		if err != nil {
			return nil, fmt.Errorf("tracking store connection: %w", err)
		}
		tracking = &c
	}
	s, err := azurestorage.Open(ctx, azurestorage.Config{
		HubName: o.HubName, Connection: conn, PartitionCount: o.PartitionCount,
		TrackingConnection: tracking, TrackingNamePrefix: o.TrackingNamePrefix,
		ControlQueueBatchSize: o.ControlQueueBatchSize, ControlQueueVisibilityTimeout: o.ControlQueueVisibilityTimeout,
		WorkItemQueueVisibilityTimeout: o.WorkItemQueueVisibilityTimeout, MaxQueuePollingInterval: o.MaxQueuePollingInterval,
		Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	return store.NewHandle(s), nil
}

// Requests returns how many storage requests st made since it was opened,
// by kind ("queue.enqueue", "table.write", ...): Azure Storage bills per
// request. It returns nil when st is not an Azure Storage store.
func Requests(st *durable.Store) map[string]int64 {
	s, ok := store.Unwrap(st).(*azurestorage.Store)
	if !ok {
		return nil
	}
	return map[string]int64(s.Stats())
}
