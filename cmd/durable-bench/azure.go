package main

import (
	"context"
	"fmt"
	"os"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/azurestore"
)

// openAzure opens the Azure Storage store from the AzureWebJobsStorage
// setting (e.g. UseDevelopmentStorage=true for Azurite) on a fresh hub.
func openAzure(ctx context.Context) (*durable.Store, func(), error) {
	if os.Getenv("AzureWebJobsStorage") == "" {
		return nil, nil, fmt.Errorf("set AzureWebJobsStorage (UseDevelopmentStorage=true for Azurite on 127.0.0.1:10000-10002)")
	}
	hub := os.Getenv("DURABLE_BENCH_HUB")
	if hub == "" {
		hub = fmt.Sprintf("bench%d", os.Getpid())
	}
	s, err := azurestore.Open(ctx, azurestore.Options{HubName: hub, Setting: os.Getenv})
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		req := azurestore.Requests(s)
		var total int64
		for _, n := range req {
			total += n
		}
		fmt.Fprintf(os.Stderr, "azure storage requests: %v (total %d)\n", req, total)
	}, nil
}
