package main

import (
	"context"
	"errors"

	"github.com/godurable/durablefunctions/durable"
)

// openAzure opens the Azure Storage store from AzureWebJobsStorage.
func openAzure(ctx context.Context) (durable.Store, func(), error) {
	return nil, nil, errors.New("the azurestorage store is not wired into durable-bench yet")
}
