package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/redisstore"
	"github.com/godurable/durablefunctions/internal/store/redis"
)

// openRedis opens the Redis store on a fresh hub, at the server the
// RedisConnection setting names (default localhost:6379). At the end it
// prints how many commands the server ran (INFO commandstats, all nodes
// of a cluster) while the scenarios ran, by command.
func openRedis(ctx context.Context) (*durable.Store, func(), error) {
	conn := os.Getenv("RedisConnection")
	if conn == "" {
		conn = "localhost:6379"
	}
	hub := os.Getenv("DURABLE_BENCH_HUB")
	if hub == "" {
		hub = fmt.Sprintf("bench%d", os.Getpid())
	}
	parts, _ := strconv.Atoi(os.Getenv("DURABLE_BENCH_PARTITIONS"))
	st, err := redisstore.Open(ctx, redisstore.Options{HubName: hub, Connection: conn, Partitions: parts})
	if err != nil {
		return nil, nil, err
	}
	c, err := redis.ParseConnection(conn)
	if err != nil {
		return nil, nil, err
	}
	stats, err := redis.Connect(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	before, err := redis.CommandStats(ctx, stats)
	if err != nil {
		return nil, nil, err
	}
	return st, func() {
		defer stats.Close()
		after, err := redis.CommandStats(context.Background(), stats)
		if err != nil {
			fmt.Fprintln(os.Stderr, "redis commandstats:", err)
			return
		}
		var total int64
		var parts []string
		for cmd, n := range after {
			if d := n - before[cmd]; d > 0 {
				total += d
				parts = append(parts, fmt.Sprintf("%s=%d", cmd, d))
			}
		}
		fmt.Fprintf(os.Stderr, "redis commands: total %d (%s)\n", total, strings.Join(parts, " "))
	}, nil
}
