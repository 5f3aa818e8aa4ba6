// Package azurestorage is a store.Store over Azure Storage queues,
// tables and blobs, laid out like the Durable Task Framework's Azure
// Storage provider (control queues, a work-item queue, History and
// Instances tables, lease and large-message containers) so that its tools
// can read a task hub. docs/azure-storage.md describes the layout, the
// queue message format and the crash-safety argument.
package azurestorage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/store"
)

// Config configures a Store. Zero values take the Durable Functions
// defaults.
type Config struct {
	// HubName is the task hub name (required; see ValidateHubName).
	HubName string
	// Connection reaches the storage account.
	Connection Connection
	// TrackingConnection, when set, reaches the account holding the
	// tracking store (the History and Instances tables), as Durable
	// Functions' trackingStoreConnectionStringName does; queues and
	// blobs stay in Connection's account.
	TrackingConnection *Connection
	// TrackingNamePrefix names the tracking tables in the tracking
	// account: {prefix}History and {prefix}Instances (default
	// DurableTask). Without TrackingConnection it has no effect, as in
	// Durable Functions: see TrackingTableNames.
	TrackingNamePrefix string
	// PartitionCount is the number of control queues, 1–16 (default 4).
	// It is fixed when the hub is created (recorded in taskhub.json); a
	// different value for an existing hub is ignored with a warning.
	PartitionCount int
	// ControlQueueBatchSize is how many control-queue messages one
	// dequeue takes, 1–32 (default 32).
	ControlQueueBatchSize int
	// ControlQueueVisibilityTimeout locks dequeued control messages
	// (default 5 min).
	ControlQueueVisibilityTimeout time.Duration
	// WorkItemQueueVisibilityTimeout locks activity messages (default 5
	// min); it is renewed while the activity runs.
	WorkItemQueueVisibilityTimeout time.Duration
	// MaxQueuePollingInterval caps the randomized exponential back-off of
	// idle queue polling, which starts at 50 ms (default 30 s).
	MaxQueuePollingInterval time.Duration
	// MaxDequeueCount: a message that cannot even be decoded after this
	// many dequeues is moved to the {hub}-poison queue (default 20). The
	// engine sees DequeueCount on every message and work item and fails
	// instances whose messages keep failing.
	MaxDequeueCount int

	// Partition leases (blobs in {hub}-leases): duration 15–60 s
	// (default 30 s), renewed every LeaseRenewInterval (default 10 s);
	// LeaseAcquireInterval is how often a worker looks for free or
	// stealable partitions (default 10 s).
	LeaseDuration        time.Duration
	LeaseRenewInterval   time.Duration
	LeaseAcquireInterval time.Duration
	// WorkerID names this worker in lease blobs (default host:pid:random).
	WorkerID string

	// Clock tells time (default the system clock). With any other clock
	// (tests) delays are measured on that clock and held in memory rather
	// than as queue visibility delays.
	Clock store.Clock
	// Logger receives warnings (default slog.Default()).
	Logger *slog.Logger
	// HTTPClient overrides the transport (tests).
	HTTPClient policy.Transporter
}

func (c *Config) setDefaults() error {
	if err := ValidateHubName(c.HubName); err != nil {
		return err
	}
	if c.TrackingNamePrefix != "" {
		if err := ValidateTrackingNamePrefix(c.TrackingNamePrefix); err != nil {
			return err
		}
	}
	if c.PartitionCount == 0 {
		c.PartitionCount = 4
	}
	if c.PartitionCount < 1 || c.PartitionCount > 16 {
		return fmt.Errorf("azurestorage: partitionCount %d out of range 1–16", c.PartitionCount)
	}
	if c.ControlQueueBatchSize == 0 {
		c.ControlQueueBatchSize = 32
	}
	if c.ControlQueueBatchSize < 1 || c.ControlQueueBatchSize > 32 {
		return fmt.Errorf("azurestorage: controlQueueBatchSize %d out of range 1–32", c.ControlQueueBatchSize)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ControlQueueVisibilityTimeout, 5*time.Minute)
	def(&c.WorkItemQueueVisibilityTimeout, 5*time.Minute)
	def(&c.MaxQueuePollingInterval, 30*time.Second)
	def(&c.LeaseDuration, 30*time.Second)
	def(&c.LeaseRenewInterval, 10*time.Second)
	def(&c.LeaseAcquireInterval, 10*time.Second)
	if c.LeaseDuration < 15*time.Second || c.LeaseDuration > 60*time.Second {
		return fmt.Errorf("azurestorage: lease duration %v out of range 15–60 s", c.LeaseDuration)
	}
	if c.MaxDequeueCount <= 0 {
		c.MaxDequeueCount = 20
	}
	if c.WorkerID == "" {
		h, _ := os.Hostname()
		c.WorkerID = h + ":" + strconv.Itoa(os.Getpid()) + ":" + newID()[:8]
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Store is the Azure Storage backend.
type Store struct {
	cfg     Config
	clock   store.Clock
	virtual bool // clock is not the system clock
	log     *slog.Logger
	stats   *counter

	queueSvc   *azqueue.ServiceClient
	control    []*azqueue.QueueClient
	workItems  *azqueue.QueueClient
	poison     *azqueue.QueueClient
	historyT   *aztables.Client
	instancesT *aztables.Client
	leases     *container.Client
	large      *container.Client

	ctx    context.Context // background work; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
	once   sync.Once

	mu sync.Mutex
	// orchestration side (see control.go)
	parts   []*partition
	insts   map[string]*instState
	byMsgID map[string]*qmsg
	notify  chan struct{} // closed and replaced when work may be ready
	lockSeq uint64
	// activity side (see activity.go)
	acts       []*actMsg
	actWaiters int
	actClaims  int // idle activity slots reserved by requests being enqueued (local.go)
	actNotify  chan struct{}
	actWake    chan struct{}
	actFlight  map[*actMsg]struct{}
	// committed state of instances of owned partitions (see cache.go)
	cache map[string]*cachedInst
}

// Open connects to the storage account, creates the task hub's queues,
// tables and containers when missing, takes partition leases and starts
// polling.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, log: cfg.Logger, stats: newCounter(),
		insts: map[string]*instState{}, byMsgID: map[string]*qmsg{}, cache: map[string]*cachedInst{},
		notify: make(chan struct{}), actNotify: make(chan struct{}), actWake: make(chan struct{}, 1), actFlight: map[*actMsg]struct{}{}}
	s.clock = cfg.Clock
	switch cfg.Clock.(type) {
	case nil, store.SystemClock, *store.SystemClock:
		s.clock = store.SystemClock{}
	default:
		s.virtual = true
	}
	if err := s.connect(); err != nil {
		return nil, err
	}
	if err := s.ensureHub(ctx); err != nil {
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.parts = make([]*partition, s.cfg.PartitionCount)
	for i := range s.parts {
		s.parts[i] = &partition{index: i, queue: s.control[i], wake: make(chan struct{}, 1)}
	}
	// Take the free partitions at once so that a lone worker starts
	// without waiting for the first balancing pass.
	s.balance(ctx)
	s.wg.Add(2)
	go s.leaseLoop()
	go s.activityPoller()
	return s, nil
}

// Stats returns the storage requests made so far, by kind.
func (s *Store) Stats() Stats { return s.stats.snapshot() }

// Config returns the effective configuration (defaults applied, partition
// count as recorded by the hub).
func (s *Store) Config() Config { return s.cfg }

// Close releases the partition leases, makes buffered and locked messages
// visible again at once, and stops polling. Blocked Next calls return
// store.ErrClosed. A second Close does nothing.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.stopWorkers()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s.releaseAll(ctx)
	})
	return nil
}

// stopWorkers marks the store closed, wakes every waiter and waits for
// the pollers and lock renewals to end. It releases nothing.
func (s *Store) stopWorkers() {
	s.closed.Store(true)
	s.cancel()
	s.mu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	close(s.actNotify)
	s.actNotify = make(chan struct{})
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Store) checkOpen() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// --- blobs -----------------------------------------------------------

func (s *Store) putBlob(ctx context.Context, name string, data []byte) error {
	_, err := s.large.NewBlockBlobClient(name).UploadBuffer(ctx, data, nil)
	return err
}

func (s *Store) getBlob(ctx context.Context, name string) ([]byte, error) {
	return s.readBlob(ctx, s.large, name)
}

func (s *Store) readBlob(ctx context.Context, c *container.Client, name string) ([]byte, error) {
	resp, err := c.NewBlobClient(name).DownloadStream(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = io.Copy(&buf, resp.Body)
	return buf.Bytes(), err
}

// deleteBlobs deletes every blob whose name starts with prefix.
func (s *Store) deleteBlobs(ctx context.Context, prefix string) error {
	pager := s.large.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, b := range page.Segment.BlobItems {
			if _, err := s.large.NewBlobClient(*b.Name).Delete(ctx, nil); err != nil && !isCode(err, 404) {
				return err
			}
		}
	}
	return nil
}

// --- errors ----------------------------------------------------------

func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func isCode(err error, code int) bool { return err != nil && statusOf(err) == code }

// --- polling back-off ------------------------------------------------

// backoff is the randomized exponential idle-polling delay: 50 ms
// doubling up to MaxQueuePollingInterval, ×[0.8,1.2], reset on activity.
type backoff struct {
	n   int
	max time.Duration
}

func (b *backoff) reset() { b.n = 0 }

func (b *backoff) next() time.Duration {
	d := 50 * time.Millisecond
	for i := 0; i < b.n && d < b.max; i++ {
		d *= 2
	}
	if d > b.max {
		d = b.max
	} else {
		b.n++
	}
	f := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * f)
}

// retryBackoff is the abandon delay for a message dequeued n times:
// min(2^n, 600) seconds.
func retryBackoff(n int) time.Duration {
	if n > 9 {
		return 600 * time.Second
	}
	if n < 0 {
		n = 0
	}
	d := time.Duration(1<<n) * time.Second
	if d > 600*time.Second {
		d = 600 * time.Second
	}
	return d
}

// maxQueueDelay caps a single queue visibility delay (queues allow 7
// days; Durable Functions uses 6).
const maxQueueDelay = 6 * 24 * time.Hour

func visibilitySeconds(d time.Duration) int32 {
	if d <= 0 {
		return 0
	}
	if d > maxQueueDelay {
		d = maxQueueDelay
	}
	return int32((d + time.Second - 1) / time.Second)
}

var _ = http.StatusOK
