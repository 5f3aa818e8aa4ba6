package versiontest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// record is what the workers did, by instance.
type record struct {
	mu       sync.Mutex
	ran      map[string]map[string]bool // instance → workers that ran its orchestrator code
	activity map[string]int             // instance → activity executions
}

func newRecord() *record {
	return &record{ran: map[string]map[string]bool{}, activity: map[string]int{}}
}

func (r *record) orchestrated(id, worker string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ran[id] == nil {
		r.ran[id] = map[string]bool{}
	}
	r.ran[id][worker] = true
}

func (r *record) stepped(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.activity[id]++
}

func (r *record) workers(id string) map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]bool{}
	for w := range r.ran[id] {
		out[w] = true
	}
	return out
}

func (r *record) steps(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.activity[id]
}

// worker is one deployment: its version is its host.json defaultVersion.
type worker struct {
	name, version string
	rt            *durable.Runtime
}

// startWorker runs a worker whose orchestrator records that it ran and
// returns the version it saw.
func startWorker(t *testing.T, h hub, rec *record, version string, v durable.Versioning) *worker {
	name := "worker-" + version
	reg := durable.NewRegistry()
	_ = reg.AddOrchestrator("Work", func(ctx *durable.OrchestrationContext) (any, error) {
		rec.orchestrated(ctx.InstanceID(), name)
		if err := ctx.CallActivity("Step", ctx.InstanceID()).Await(nil); err != nil {
			return nil, err
		}
		return ctx.Version(), nil
	})
	_ = reg.AddActivity("Step", durable.ActivityOf(func(_ context.Context, id string) (string, error) {
		rec.stepped(id)
		return name, nil
	}))
	v.DefaultVersion = version
	v.RejectDelay = 50 * time.Millisecond
	rt := durable.NewRuntime(reg, h.open(t, name), durable.WithVersioning(v))
	rt.Start()
	return &worker{name: name, version: version, rt: rt}
}

// allowed says whether strategy m lets a worker of version w run an
// instance of version v.
func allowed(m durable.VersionMatchStrategy, w, v string) bool {
	switch m {
	case durable.VersionMatchStrict:
		return durable.CompareVersions(v, w) == 0
	case durable.VersionMatchCurrentOrOlder:
		return durable.CompareVersions(v, w) <= 0
	}
	return true
}

// mismatchMessage is the reason a worker of version w fails an instance
// of version v with, as durabletask-dotnet words it.
func mismatchMessage(m durable.VersionMatchStrategy, w, v string) string {
	if m == durable.VersionMatchStrict {
		return fmt.Sprintf("The orchestration version '%s' does not match the worker version '%s'.", v, w)
	}
	return fmt.Sprintf("The orchestration version '%s' is greater than the worker version '%s'.", v, w)
}

func start(t *testing.T, c *durable.Client, opts ...durable.StartOption) string {
	t.Helper()
	id, err := c.StartNew(context.Background(), "Work", nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFinished polls until every instance finished or d passes, and
// returns the statuses it last saw.
func waitFinished(t *testing.T, c *durable.Client, ids []string, d time.Duration) map[string]*durable.Status {
	t.Helper()
	deadline := time.Now().Add(d)
	out := map[string]*durable.Status{}
	for {
		done := 0
		for _, id := range ids {
			st, err := c.GetStatus(context.Background(), id)
			if err != nil {
				t.Fatalf("instance %s: %v", id, err)
			}
			out[id] = st
			if st.IsFinished() {
				done++
			}
		}
		if done == len(ids) || time.Now().After(deadline) {
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func allFinished(sts map[string]*durable.Status) bool {
	for _, st := range sts {
		if !st.IsFinished() {
			return false
		}
	}
	return true
}

func outputOf(st *durable.Status) string {
	var s string
	_ = json.Unmarshal(st.Output, &s)
	return s
}
