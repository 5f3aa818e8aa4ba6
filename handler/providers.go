package handler

import (
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/provider"
)

// Provider is an optional part of a function app that only programs that
// use it link: a store host.json may select besides the default SQLite and
// memory stores, or a trigger kind that needs a client library. Pass it to
// App.Use:
//
//	app.Use(azurestore.Provider) // storageProvider "AzureStorage"; queue triggers standalone
//	app.Use(redisstore.Provider) // storageProvider "redis"
type Provider = provider.Provider

// Use links optional parts into the app. Without
// azurestore.Provider the program does not link the Azure SDK, without
// redisstore.Provider not the Redis client. When host.json needs a part
// that was not passed, the app does not start, and the error names the
// line to add.
func (a *App) Use(providers ...*Provider) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.providers = append(a.providers, providers...)
}

// storeProvider returns the part that opens storage type t, or nil.
func (a *App) storeProvider(t funcapp.StorageType) *provider.Spec {
	return a.findProvider(func(s provider.Spec) bool { return s.Storage == t && s.Open != nil })
}

// queueProvider returns the part that polls queues, or nil.
func (a *App) queueProvider() *provider.Spec {
	return a.findProvider(func(s provider.Spec) bool { return s.Queue != nil })
}

func (a *App) findProvider(match func(provider.Spec) bool) *provider.Spec {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.providers {
		if p == nil {
			continue
		}
		if s := provider.SpecOf(p); match(s) {
			return &s
		}
	}
	return nil
}
