package azurestorage

import (
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Stats counts storage requests by kind, e.g. "queue.enqueue",
// "queue.dequeue", "queue.delete", "queue.update", "table.read",
// "table.write", "table.batch", "blob.read", "blob.write", "blob.lease".
// Every HTTP attempt counts (retries included): this is what is billed.
type Stats map[string]int64

// Total is the sum of all counters.
func (s Stats) Total() int64 {
	var n int64
	for _, v := range s {
		n += v
	}
	return n
}

// String lists the counters in name order.
func (s Stats) String() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(itoa(s[k]))
	}
	return b.String()
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

type counter struct {
	mu sync.Mutex
	m  map[string]int64
}

func newCounter() *counter { return &counter{m: map[string]int64{}} }

func (c *counter) add(kind string) {
	c.mu.Lock()
	c.m[kind]++
	c.mu.Unlock()
}

func (c *counter) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(Stats, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

// countPolicy is an azcore per-retry pipeline policy that counts requests
// of one service by operation kind.
type countPolicy struct {
	c       *counter
	service string // "queue", "table", "blob"
}

func (p countPolicy) Do(req *policy.Request) (*http.Response, error) {
	p.c.add(p.service + "." + classify(p.service, req.Raw()))
	return req.Next()
}

func classify(service string, r *http.Request) string {
	q := r.URL.Query()
	path := r.URL.Path
	switch service {
	case "queue":
		if strings.Contains(path, "/messages") {
			switch r.Method {
			case http.MethodPost:
				return "enqueue"
			case http.MethodGet:
				if q.Get("peekonly") == "true" {
					return "peek"
				}
				return "dequeue"
			case http.MethodDelete:
				if q.Get("popreceipt") != "" {
					return "delete"
				}
				return "clear"
			case http.MethodPut:
				return "update"
			}
		}
		return "admin"
	case "table":
		switch {
		case strings.HasSuffix(path, "$batch"):
			return "batch"
		case strings.HasSuffix(path, "/Tables") || strings.Contains(path, "/Tables("):
			return "admin"
		case r.Method == http.MethodGet:
			return "read"
		case r.Method == http.MethodDelete:
			return "delete"
		}
		return "write"
	default:
		comp := q.Get("comp")
		switch {
		case comp == "lease":
			return "lease"
		case comp == "list" || q.Get("restype") == "container":
			if comp == "list" {
				return "list"
			}
			return "admin"
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			return "read"
		case r.Method == http.MethodDelete:
			return "delete"
		}
		return "write"
	}
}
