package handler

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/azurestore"
	"github.com/godurable/durablefunctions/internal/funcapp"
)

// openAzureStorage opens the Azure Storage store for the task hub, from the
// connection setting (a connection string, UseDevelopmentStorage=true, or an
// identity-based <name>__accountName / __*ServiceUri group).
func openAzureStorage(ctx context.Context, fa *funcapp.App, choice funcapp.StorageChoice, log *slog.Logger) (*durable.Store, error) {
	sp := fa.Host.DurableTask.StorageProvider
	s, err := azurestore.Open(ctx, azurestore.Options{
		HubName:                        fa.Host.DurableTask.HubName,
		ConnectionName:                 choice.ConnectionName,
		Setting:                        fa.Settings.Get,
		PartitionCount:                 sp.PartitionCount,
		ControlQueueBatchSize:          sp.ControlQueueBatchSize,
		ControlQueueVisibilityTimeout:  sp.ControlQueueVisibilityTimeout,
		WorkItemQueueVisibilityTimeout: sp.WorkItemQueueVisibilityTimeout,
		MaxQueuePollingInterval:        sp.MaxQueuePollingInterval,
		Logger:                         log,
	})
	if err != nil {
		return nil, fmt.Errorf("azure storage (connection %q): %w", choice.ConnectionName, err)
	}
	return s, nil
}
