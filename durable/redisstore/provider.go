package redisstore

import (
	"context"
	"fmt"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/provider"
)

// Provider links the Redis store into a function app built with package
// handler, for host.json's storageProvider type "redis". Without it the
// app does not link the Redis client, and a host.json that selects Redis
// stops the app at startup with the line to add:
//
//	app := handler.NewApp()
//	app.Use(redisstore.Provider)
var Provider = provider.New(provider.Spec{
	Hint:    provider.Redis,
	Storage: funcapp.StorageRedis,
	Open:    openForHost,
})

// openForHost opens the task hub host.json names with the connection
// setting it names.
func openForHost(ctx context.Context, r provider.StoreRequest) (*durable.Store, []durable.RuntimeOption, error) {
	s, err := Open(ctx, Options{HubName: r.App.Host.DurableTask.HubName, ConnectionName: r.Choice.ConnectionName,
		Setting: r.App.Settings.Get, Logger: r.Logger})
	if err != nil {
		return nil, nil, fmt.Errorf("redis (connection %q): %w", r.Choice.ConnectionName, err)
	}
	return s, nil, nil
}
