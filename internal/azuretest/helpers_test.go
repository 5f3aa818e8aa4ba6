package azuretest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/lease"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store/azurestorage"
)

// TestMain is either the test binary (one Azurite for the package) or,
// when DURABLE_AZTEST_CHILD is set, an engine worker process of the
// multi-worker test.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(child())
	}
	os.Exit(azurite.Main(m))
}

var hubSeq atomic.Int64

// uniqueHub returns a fresh task hub name.
func uniqueHub(prefix string) string {
	return fmt.Sprintf("%s%dx%d", prefix, time.Now().UnixNano()%1_000_000_000, hubSeq.Add(1))
}

func logger() *slog.Logger {
	if os.Getenv("AZTEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// storeConfig is a worker configuration with short leases and locks, so
// that a dead worker's partitions and messages come back within seconds.
func storeConfig(conn, hub, worker string) azurestorage.Config {
	return azurestorage.Config{
		HubName:                        hub,
		Connection:                     azurestorage.Connection{ConnectionString: conn},
		PartitionCount:                 6,
		MaxQueuePollingInterval:        500 * time.Millisecond,
		ControlQueueVisibilityTimeout:  20 * time.Second,
		WorkItemQueueVisibilityTimeout: 20 * time.Second,
		LeaseDuration:                  15 * time.Second,
		LeaseRenewInterval:             3 * time.Second,
		LeaseAcquireInterval:           time.Second,
		WorkerID:                       worker,
		Logger:                         logger(),
	}
}

func openStore(t testing.TB, cfg azurestorage.Config) *azurestorage.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := azurestorage.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return s
}

// --- the workload ----------------------------------------------------

// counter is the entity of the workload.
type counter struct{ N int }

func (c *counter) Add(n int) int { c.N += n; return c.N }
func (c *counter) Get() int      { return c.N }

// activityDelay slows activities a little in the multi-worker test so that
// work is in flight when a worker is killed.
var activityDelay time.Duration

// registry holds every orchestrator the tests run.
func registry() *durable.Registry {
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Inc", durable.ActivityOf(func(_ context.Context, n int) (int, error) {
		if activityDelay > 0 {
			time.Sleep(activityDelay)
		}
		return n + 1, nil
	}))
	_ = reg.AddActivity("Square", durable.ActivityOf(func(_ context.Context, n int) (int, error) {
		if activityDelay > 0 {
			time.Sleep(activityDelay)
		}
		return n * n, nil
	}))
	_ = reg.AddEntity("Counter", durable.EntityOf[counter]())
	// Chain: input n; calls Inc n times on a running value from 0: output n.
	_ = reg.AddOrchestrator("Chain", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		if err := ctx.GetInput(&n); err != nil {
			return nil, err
		}
		v := 0
		for i := 0; i < n; i++ {
			if err := ctx.CallActivity("Inc", v).Await(&v); err != nil {
				return nil, err
			}
		}
		return v, nil
	})
	// FanOut: input n; squares 1..n in parallel: output the sum of squares.
	_ = reg.AddOrchestrator("FanOut", func(ctx *durable.OrchestrationContext) (any, error) {
		var n int
		if err := ctx.GetInput(&n); err != nil {
			return nil, err
		}
		tasks := make([]durable.Task, n)
		for i := range tasks {
			tasks[i] = ctx.CallActivity("Square", i+1)
		}
		var sq []int
		if err := ctx.WhenAll(tasks...).Await(&sq); err != nil {
			return nil, err
		}
		sum := 0
		for _, v := range sq {
			sum += v
		}
		return sum, nil
	})
	// Timers: input {Timers, Ms}; waits Timers durable timers of Ms each,
	// then calls Inc: output Timers+1... as "fired=<k>".
	_ = reg.AddOrchestrator("Timers", func(ctx *durable.OrchestrationContext) (any, error) {
		var in struct{ Timers, Ms int }
		if err := ctx.GetInput(&in); err != nil {
			return nil, err
		}
		fired := 0
		for i := 0; i < in.Timers; i++ {
			if err := ctx.CreateTimer(ctx.CurrentUTCDateTime().Add(time.Duration(in.Ms) * time.Millisecond)).Await(nil); err != nil {
				return nil, err
			}
			if err := ctx.CallActivity("Inc", fired).Await(&fired); err != nil {
				return nil, err
			}
		}
		return "fired=" + strconv.Itoa(fired), nil
	})
	// Entity: input shared counter key; signals the shared counter once,
	// adds 2 then 3 to its own counter (key = instance id) with calls and
	// reads it back: output 5.
	_ = reg.AddOrchestrator("Entity", func(ctx *durable.OrchestrationContext) (any, error) {
		var shared string
		if err := ctx.GetInput(&shared); err != nil {
			return nil, err
		}
		if err := ctx.SignalEntity(durable.NewEntityID("Counter", shared), "Add", 1); err != nil {
			return nil, err
		}
		own := durable.NewEntityID("Counter", "own-"+ctx.InstanceID())
		for _, n := range []int{2, 3} {
			if err := ctx.CallEntity(own, "Add", n).Await(nil); err != nil {
				return nil, err
			}
		}
		var v int
		if err := ctx.CallEntity(own, "Get", nil).Await(&v); err != nil {
			return nil, err
		}
		return v, nil
	})
	return reg
}

// job is one orchestration of a workload and its expected output (JSON).
type job struct {
	ID, Name string
	Input    any
	Want     string
}

func sumSquares(n int) int { return n * (n + 1) * (2*n + 1) / 6 }

// mixedWorkload returns n orchestrations: 40% chains of 3–5 activities,
// 20% fan-outs of 10–20, 20% timers (1–2 timers of 1–2 s), 20% entity
// orchestrations signalling one of sharedCounters shared counters.
func mixedWorkload(prefix string, n, sharedCounters int) []job {
	jobs := make([]job, 0, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		switch i % 5 {
		case 0, 1:
			k := 3 + i%3
			jobs = append(jobs, job{id + "-chain", "Chain", k, strconv.Itoa(k)})
		case 2:
			k := 10 + i%11
			jobs = append(jobs, job{id + "-fan", "FanOut", k, strconv.Itoa(sumSquares(k))})
		case 3:
			k := 1 + i%2
			jobs = append(jobs, job{id + "-timer", "Timers", map[string]int{"Timers": k, "Ms": 1000 + 500*(i%3)}, fmt.Sprintf(`"fired=%d"`, k)})
		case 4:
			jobs = append(jobs, job{id + "-entity", "Entity", sharedKey(i, sharedCounters), "5"})
		}
	}
	return jobs
}

func sharedKey(i, n int) string { return fmt.Sprintf("shared-%d", i%n) }

// expectedShared is how many signals each shared counter gets.
func expectedShared(jobs []job) map[string]int {
	m := map[string]int{}
	for _, j := range jobs {
		if j.Name == "Entity" {
			m[j.Input.(string)]++
		}
	}
	return m
}

// --- direct storage views (no worker) ---------------------------------

// hubView reads a task hub's tables and lease blobs without joining it as
// a worker.
type hubView struct {
	hub       string
	history   *aztables.Client
	instances *aztables.Client
	leases    *container.Client
}

func newHubView(t testing.TB, inst *azurite.Instance, hub string) *hubView {
	t.Helper()
	tk, err := aztables.NewSharedKeyCredential(azurite.AccountName, azurite.AccountKey)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := aztables.NewServiceClientWithSharedKey(inst.TableEndpoint(), tk, nil)
	if err != nil {
		t.Fatal(err)
	}
	bk, err := azblob.NewSharedKeyCredential(azurite.AccountName, azurite.AccountKey)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := azblob.NewClientWithSharedKeyCredential(inst.BlobEndpoint(), bk, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &hubView{
		hub:       hub,
		history:   ts.NewClient(azurestorage.HistoryTableName(hub)),
		instances: ts.NewClient(azurestorage.InstancesTableName(hub)),
		leases:    bs.ServiceClient().NewContainerClient(azurestorage.LeasesContainerName(hub)),
	}
}

// statusCounts counts Instances rows by RuntimeStatus (entities excluded).
func (v *hubView) statusCounts(ctx context.Context) (map[string]int, error) {
	sel := "PartitionKey,RuntimeStatus"
	pager := v.instances.NewListEntitiesPager(&aztables.ListEntitiesOptions{Select: &sel})
	out := map[string]int{}
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, raw := range page.Entities {
			s := string(raw)
			if strings.Contains(s, `"PartitionKey":"@`) { // entity instances
				continue
			}
			st := "?"
			if i := strings.Index(s, `"RuntimeStatus":"`); i >= 0 {
				rest := s[i+len(`"RuntimeStatus":"`):]
				st = rest[:strings.IndexByte(rest, '"')]
			}
			out[st]++
		}
	}
	return out, nil
}

// unfinished lists up to max instances (entities excluded) that are not
// Completed, with their status and name, for failure reports.
func (v *hubView) unfinished(ctx context.Context, max int) ([]string, error) {
	sel := "PartitionKey,RuntimeStatus,Name"
	pager := v.instances.NewListEntitiesPager(&aztables.ListEntitiesOptions{Select: &sel})
	var out []string
	for pager.More() && len(out) < max {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return out, err
		}
		for _, raw := range page.Entities {
			s := string(raw)
			if strings.Contains(s, `"PartitionKey":"@`) || strings.Contains(s, `"RuntimeStatus":"Completed"`) {
				continue
			}
			out = append(out, s)
			if len(out) == max {
				break
			}
		}
	}
	return out, nil
}

// historyOf summarizes an instance's history rows (event type, ids, name)
// for failure reports.
func (v *hubView) historyOf(ctx context.Context, instanceID string) string {
	filter := fmt.Sprintf("PartitionKey eq '%s'", azurestorage.EscapeKey(instanceID))
	sel := "RowKey,EventType,EventId,TaskScheduledId,TimerId,Name"
	pager := v.history.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel})
	var b strings.Builder
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return b.String() + " (" + err.Error() + ")"
		}
		for _, raw := range page.Entities {
			b.WriteString(string(raw))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// leaseOwners maps partition index → current holder ("" when not leased).
func (v *hubView) leaseOwners(ctx context.Context) (map[int]string, error) {
	prefix := "default/" + strings.ToLower(v.hub) + "-control-"
	pager := v.leases.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix, Include: container.ListBlobsInclude{Metadata: true}})
	out := map[int]string{}
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, b := range page.Segment.BlobItems {
			idx, err := strconv.Atoi(strings.TrimPrefix(*b.Name, prefix))
			if err != nil {
				continue
			}
			owner := ""
			if p := b.Properties; p != nil && p.LeaseState != nil && *p.LeaseState == lease.StateTypeLeased {
				owner = "?"
				for k, val := range b.Metadata {
					if strings.EqualFold(k, "owner") && val != nil {
						owner = *val
					}
				}
			}
			out[idx] = owner
		}
	}
	return out, nil
}

func formatOwners(m map[int]string) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%d:%s ", k, m[k])
	}
	return strings.TrimSpace(b.String())
}

func openStoreErr(cfg azurestorage.Config) (*azurestorage.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return azurestorage.Open(ctx, cfg)
}
