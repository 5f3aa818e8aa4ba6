package redis_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/redisstore"
	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/internal/store/e2etest"
)

var semanticsHub atomic.Int64

func semantics(t *testing.T, conn string) {
	e2etest.Run(t, func(t *testing.T) *durable.Store {
		s, err := redisstore.Open(context.Background(), redisstore.Options{
			HubName:      fmt.Sprintf("sem%dx%d", time.Now().UnixNano()%1_000_000, semanticsHub.Add(1)),
			Connection:   conn,
			Partitions:   4,
			PollInterval: 200 * time.Millisecond,
			Logger:       slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestEngineSemanticsOnASingleRedisNode(t *testing.T) {
	semantics(t, redisserver.Shared(t).Addr())
}

func TestEngineSemanticsOnARedisCluster(t *testing.T) {
	c := redisserver.SharedCluster(t)
	semantics(t, "redis://"+c.Addrs()[0]+"?addr="+strings.Join(c.Addrs()[1:], "&addr="))
}
