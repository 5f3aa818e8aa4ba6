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

	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/store/azurestorage"
	"github.com/godurable/durablefunctions/internal/workload"
)

// TestMain is either the test binary (one Azurite for the package) or,
// when workload.IsWorker, an engine worker process of the multi-worker
// test.
func TestMain(m *testing.M) {
	if workload.IsWorker() {
		os.Exit(workload.RunWorker(openWorker))
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
