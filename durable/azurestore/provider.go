package azurestore

import (
	"context"
	"fmt"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/provider"
	"github.com/godurable/durablefunctions/internal/triggers/azurequeue"
)

// Provider links Azure Storage into a function app built with package
// handler: the task hub that host.json's storageProvider type
// "AzureStorage" selects, and the polling of queue-triggered functions
// when the app serves itself. Without it the app does not link the Azure
// SDK, and a host.json that needs Azure Storage stops the app at startup
// with the line to add:
//
//	app := handler.NewApp()
//	app.Use(azurestore.Provider)
var Provider = provider.New(provider.Spec{
	Hint:    provider.AzureStorage,
	Storage: funcapp.StorageAzureStorage,
	Open:    openForHost,
	Queue:   azurequeue.Plan,
})

// openForHost opens the task hub from host.json and the app settings: the
// connection setting holds a connection string, UseDevelopmentStorage=true,
// or names an identity-based <name>__accountName / __*ServiceUri group.
func openForHost(ctx context.Context, r provider.StoreRequest) (*durable.Store, []durable.RuntimeOption, error) {
	dt := r.App.Host.DurableTask
	sp := dt.StorageProvider
	s, err := Open(ctx, Options{
		HubName:                        dt.HubName,
		ConnectionName:                 r.Choice.ConnectionName,
		Setting:                        r.App.Settings.Get,
		PartitionCount:                 sp.PartitionCount,
		TrackingConnectionName:         sp.TrackingStoreConnectionName,
		TrackingNamePrefix:             sp.TrackingStoreNamePrefix,
		ControlQueueBatchSize:          sp.ControlQueueBatchSize,
		ControlQueueVisibilityTimeout:  sp.ControlQueueVisibilityTimeout,
		WorkItemQueueVisibilityTimeout: sp.WorkItemQueueVisibilityTimeout,
		MaxQueuePollingInterval:        sp.MaxQueuePollingInterval,
		Logger:                         r.Logger,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("azure storage (connection %q): %w", r.Choice.ConnectionName, err)
	}
	// Azure queues delay messages by at most 7 days: chain longer timers.
	return s, []durable.RuntimeOption{durable.WithMaxTimerInterval(6*24*time.Hour, 3*24*time.Hour)}, nil
}
