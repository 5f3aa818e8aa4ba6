package sidecar

import (
	"context"
	"fmt"
	"sync"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	pb "github.com/godurable/durablefunctions/internal/protos"
	"github.com/godurable/durablefunctions/internal/store"
)

// Clients hands out durable clients for durableClient bindings, one
// connection per endpoint and task hub, kept for the life of the process
// (every invocation carries the binding, and dialing per invocation would
// waste a connection each time).
type Clients struct {
	// Registry is the app's registry: StartNew checks names against it.
	Registry *durable.Registry
	mu       sync.Mutex
	conns    map[string]conn
	last     *Store // the endpoint a binding named most recently
}

// conn is one endpoint's store and the one client over it (one client per
// store, so that callers may cache by client).
type conn struct {
	st     *Store
	client *durable.Client
}

// Client returns the durable client for the binding: the same client for
// the same endpoint, task hub and connection.
func (c *Clients) Client(b *extension.ClientBinding) (*durable.Client, error) {
	key := b.RPCBaseURL + "|" + b.TaskHubName + "|" + b.ConnectionName
	c.mu.Lock()
	defer c.mu.Unlock()
	cn, ok := c.conns[key]
	if !ok {
		st, err := Dial(b.RPCBaseURL, Options{TaskHub: b.TaskHubName, ConnectionName: b.ConnectionName, MaxMessageBytes: b.MaxGrpcMessageSizeInBytes})
		if err != nil {
			return nil, fmt.Errorf("durable client for task hub %q: %w", b.TaskHubName, err)
		}
		if c.conns == nil {
			c.conns = map[string]conn{}
		}
		cn = conn{st: st, client: durable.NewClient(store.NewHandle(st), c.Registry)}
		c.conns[key] = cn
	}
	c.last = cn.st
	return cn.client, nil
}

// FetchHistory streams an instance's history from the extension, for
// orchestrator requests that ask the worker to fetch it
// (requiresHistoryStreaming). The orchestrator invocation does not say
// where the extension's gRPC endpoint is; the durableClient bindings do,
// so it uses the endpoint a binding named most recently, and says so when
// no invocation has named one yet.
func (c *Clients) FetchHistory(ctx context.Context, instanceID, executionID string) ([]*pb.HistoryEvent, error) {
	c.mu.Lock()
	st := c.last
	c.mu.Unlock()
	if st == nil {
		return nil, fmt.Errorf("no durableClient binding has named the extension's gRPC endpoint yet, so the history of %q cannot be streamed: give any function (an HTTP starter, say) a durableClient binding", instanceID)
	}
	return FetchHistory(st.ctx(ctx), st.rpc, instanceID, executionID)
}

// Close closes every connection.
func (c *Clients) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, cn := range c.conns {
		_ = cn.st.Close()
		delete(c.conns, k)
	}
	c.last = nil
	return nil
}
