package redisserver

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Cluster is a Redis Cluster of primaries without replicas, each a Server
// started with cluster mode on and joined by `redis-cli --cluster create`.
type Cluster struct {
	Nodes []*Server
}

// Addrs are the nodes' addresses.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr()
	}
	return out
}

// Close stops every node and removes their data.
func (c *Cluster) Close() {
	for _, n := range c.Nodes {
		n.Close()
	}
}

// StartCluster starts an n-node cluster for one test, closed by t.Cleanup.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c, err := StartClusterWith(n, Options{})
	if err != nil {
		Unavailable(t, err)
		return nil
	}
	t.Cleanup(c.Close)
	return c
}

// StartClusterWith starts n cluster-mode nodes with opts, assigns the hash
// slots among them and waits until every node reports cluster_state:ok.
func StartClusterWith(n int, opts Options) (*Cluster, error) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, fmt.Errorf("%w: redis-cli: %v", ErrNotInstalled, err)
	}
	opts.Cluster = true
	c := &Cluster{}
	for i := 0; i < n; i++ {
		s, err := StartWith(opts)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	if err := c.waitOK(60 * time.Second); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// waitOK waits until every node sees the whole cluster as ok.
func (c *Cluster) waitOK(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ok := true
		var last string
		for _, n := range c.Nodes {
			info, err := Command(n.Addr(), "CLUSTER", "INFO")
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				ok, last = false, info
				break
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not ok after %v: %s", limit, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var (
	shared        *Server
	sharedErr     = errors.New("redisserver.Main was not called in this test binary's TestMain")
	mainRan       bool
	clusterOnce   sync.Once
	sharedCluster *Cluster
	clusterErr    error
)

// Main is a TestMain body: it starts one server for the package (and
// SharedCluster a 3-node cluster on first use), runs the tests and stops them. When
// Redis cannot start and is Required(), it prints the reason and returns 1
// without running tests; otherwise tests that call Shared or
// SharedCluster skip with the reason.
func Main(m *testing.M) int {
	mainRan = true
	s, err := StartWith(Options{})
	if err != nil {
		if code := service.MainUnavailable(err); code != 0 {
			return code
		}
		sharedErr = err
	} else {
		shared, sharedErr = s, nil
		defer s.Close()
	}
	code := m.Run()
	if sharedCluster != nil {
		sharedCluster.Close()
	}
	return code
}

// Shared returns the package's server started by Main, or skips (fails
// when Required()) if it is unavailable.
func Shared(t testing.TB) *Server {
	t.Helper()
	if shared == nil {
		Unavailable(t, sharedErr)
		return nil
	}
	return shared
}

// SharedCluster returns the package's 3-node cluster, started on first
// use and stopped by Main, or skips (fails when Required()).
func SharedCluster(t testing.TB) *Cluster {
	t.Helper()
	if !mainRan || shared == nil {
		Unavailable(t, sharedErr)
		return nil
	}
	clusterOnce.Do(func() { sharedCluster, clusterErr = StartClusterWith(3, Options{}) })
	if clusterErr != nil {
		Unavailable(t, clusterErr)
		return nil
	}
	return sharedCluster
}
