package handler

import (
	"context"
	"errors"
	"log/slog"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/durable"
)

// openAzureStorage opens the Azure Storage store for the task hub.
func openAzureStorage(ctx context.Context, fa *bindings.App, choice bindings.StorageChoice, log *slog.Logger) (durable.Store, error) {
	return nil, errors.New("the AzureStorage store is not available in this build yet")
}
