package sidecar

import (
	"fmt"
	"sync"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
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
	stores   map[string]*Store
}

// Client returns the durable client for the binding.
func (c *Clients) Client(b *extension.ClientBinding) (*durable.Client, error) {
	key := b.RPCBaseURL + "|" + b.TaskHubName + "|" + b.ConnectionName
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stores[key]
	if st == nil {
		var err error
		st, err = Dial(b.RPCBaseURL, Options{TaskHub: b.TaskHubName, ConnectionName: b.ConnectionName, MaxMessageBytes: b.MaxGrpcMessageSizeInBytes})
		if err != nil {
			return nil, fmt.Errorf("durable client for task hub %q: %w", b.TaskHubName, err)
		}
		if c.stores == nil {
			c.stores = map[string]*Store{}
		}
		c.stores[key] = st
	}
	return durable.NewClient(store.NewHandle(st), c.Registry), nil
}

// Close closes every connection.
func (c *Clients) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.stores {
		_ = st.Close()
		delete(c.stores, k)
	}
	return nil
}
