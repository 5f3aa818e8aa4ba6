// Package redisstore opens a task hub in Redis: a single server or a Redis
// Cluster, shared by any number of worker processes. It is a package of
// its own so that programs that do not use Redis do not link its client.
//
//	st, err := redisstore.Open(ctx, redisstore.Options{HubName: "MyHub", Setting: os.Getenv})
//	if err != nil {
//		return err
//	}
//	rt := durable.NewRuntime(reg, st)
//
// The connection value comes from the app setting named by ConnectionName
// (default RedisConnection), as host.json's
// "storageProvider": {"redis": {"connectionStringName": "RedisConnection"}}
// names it. It may be "server:port" (localhost:6379), a redis:// or
// rediss:// URL with user, password and database, or the
// "host:6380,password=…,ssl=True" form the Azure portal shows for Azure
// Cache for Redis. Keep the server's append-only file on: docs/redis.md
// says what each persistence setting means for acknowledged work, and
// Open logs a warning when the server cannot keep it.
//
// A function app built with package handler does not call Open: it passes
// Provider to App.Use, and host.json's storageProvider selects the store.
package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/redis"
)

// DefaultConnectionName is the app setting read when Options names none.
const DefaultConnectionName = "RedisConnection"

// Options configure Open. Zero values take the defaults noted.
type Options struct {
	// HubName is the task hub: every key starts with dt:{HubName…}.
	HubName string
	// Connection is the connection value itself; when empty it is read
	// from the app setting ConnectionName (default RedisConnection)
	// through Setting (default: none; pass os.Getenv).
	Connection     string
	ConnectionName string
	Setting        func(string) string

	// Partitions is fixed when the hub is created (default 16): at most
	// that many workers share the orchestration work.
	Partitions int
	// LeaseDuration is how long a dead worker's partitions stay with it
	// (default 30 s).
	LeaseDuration time.Duration
	// ActivityLockTimeout is how long a dead worker's activities stay
	// hidden before they run again (default 5 min).
	ActivityLockTimeout time.Duration
	// PollInterval is the idle safety poll under notifications (default
	// 2 s).
	PollInterval time.Duration
	// WorkerID names this process in leases (default host:pid:random).
	WorkerID string
	Logger   *slog.Logger
}

// Open connects to Redis and joins (creating if needed) the task hub.
func Open(ctx context.Context, o Options) (*durable.Store, error) {
	value := o.Connection
	if value == "" {
		name := o.ConnectionName
		if name == "" {
			name = DefaultConnectionName
		}
		if o.Setting != nil {
			value = o.Setting(name)
		}
		if value == "" {
			return nil, fmt.Errorf("redisstore: app setting %s is empty: set it to the Redis server (localhost:6379, rediss://…)", name)
		}
	}
	conn, err := redis.ParseConnection(value)
	if err != nil {
		return nil, err
	}
	s, err := redis.Open(ctx, redis.Config{
		HubName: o.HubName, Connection: conn, Partitions: o.Partitions, LeaseDuration: o.LeaseDuration,
		ActivityLockTimeout: o.ActivityLockTimeout, PollInterval: o.PollInterval, WorkerID: o.WorkerID, Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	return store.NewHandle(s), nil
}

// ValidateConnection reports whether a connection value can be parsed,
// without connecting (for configuration checks).
func ValidateConnection(value string) error {
	_, err := redis.ParseConnection(value)
	return err
}
