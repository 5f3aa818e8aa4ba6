package redis

import (
	"context"
	"strconv"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// CommandStats returns how many times the server ran each command since
// its statistics were last reset (INFO commandstats), summed over every
// primary of a cluster. Commands scripts run count under their own names
// as well as under evalsha.
func CommandStats(ctx context.Context, c goredis.UniversalClient) (map[string]int64, error) {
	out := map[string]int64{}
	var mu sync.Mutex
	read := func(ctx context.Context, n goredis.Cmdable) error {
		info, err := n.Info(ctx, "commandstats").Result()
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, line := range strings.Split(info, "\n") {
			name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
			if !ok {
				continue
			}
			calls, _, _ := strings.Cut(rest, ",")
			n, _ := strconv.ParseInt(calls, 10, 64)
			out[strings.TrimPrefix(name, "cmdstat_")] += n
		}
		return nil
	}
	if cc, ok := c.(*goredis.ClusterClient); ok {
		return out, cc.ForEachMaster(ctx, func(ctx context.Context, n *goredis.Client) error { return read(ctx, n) })
	}
	return out, read(ctx, c)
}

// Connect opens a client for conn the way Open does (a cluster client
// when the server runs in cluster mode), for tools that read the server
// beside a store.
func Connect(ctx context.Context, conn Connection) (goredis.UniversalClient, error) {
	c, _, err := dial(ctx, conn, 2)
	return c, err
}
