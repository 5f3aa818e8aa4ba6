package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/godurable/durablefunctions/internal/store"
)

// Config configures a Store. Zero values take the defaults noted.
type Config struct {
	// HubName is the task hub: every key starts with dt:{HubName...}.
	HubName string
	// Connection reaches Redis (see ParseConnection).
	Connection Connection
	// Partitions is the number of partitions, 1–256 (default 16). It is
	// fixed when the hub is created; a different value for an existing hub
	// is ignored with a warning.
	Partitions int
	// LeaseDuration is how long a partition lease lasts without renewal
	// (default 30 s, at least 2 s): a crashed worker's partitions move
	// after at most this long. Leases are renewed every
	// LeaseRenewInterval (default a third of the duration) and balanced
	// every BalanceInterval (default 5 s).
	LeaseDuration      time.Duration
	LeaseRenewInterval time.Duration
	BalanceInterval    time.Duration
	// ActivityLockTimeout is how long a taken activity request stays
	// invisible to other workers (default 5 min); it is renewed every
	// third of that while the activity runs, so only a crash lets it lapse.
	ActivityLockTimeout time.Duration
	// PollInterval is how often idle dispatchers look at their partitions
	// even without a notification (default 2 s): notifications travel by
	// pub/sub, which can drop messages while a connection is re-made.
	PollInterval time.Duration
	// OutboxSweepInterval is how often a partition's owner delivers
	// outbox entries a crashed committer left behind (default 5 s).
	OutboxSweepInterval time.Duration
	// WorkerID names this worker in leases (default host:pid:random).
	WorkerID string
	// PoolSize is the connection pool size per node (default 10 × cores
	// plus room for blocking callers, go-redis's default).
	PoolSize int
	// Clock tells time for message visibility (default the system clock).
	// Leases always run on Redis's own clock.
	Clock store.Clock
	// Logger receives warnings (default slog.Default()).
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if err := ValidateHubName(c.HubName); err != nil {
		return err
	}
	if len(c.Connection.Addrs) == 0 {
		return errors.New("redis store: no address to connect to")
	}
	if c.Partitions == 0 {
		c.Partitions = 16
	}
	if c.Partitions < 1 || c.Partitions > 256 {
		return fmt.Errorf("redis store: %d partitions out of range 1–256", c.Partitions)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.LeaseDuration, 30*time.Second)
	if c.LeaseDuration < 2*time.Second {
		return fmt.Errorf("redis store: lease duration %v is below 2 s", c.LeaseDuration)
	}
	def(&c.LeaseRenewInterval, c.LeaseDuration/3)
	def(&c.BalanceInterval, 5*time.Second)
	def(&c.ActivityLockTimeout, 5*time.Minute)
	def(&c.PollInterval, 2*time.Second)
	def(&c.OutboxSweepInterval, 5*time.Second)
	if c.WorkerID == "" {
		h, _ := os.Hostname()
		c.WorkerID = h + ":" + strconv.Itoa(os.Getpid()) + ":" + randomHex(4)
	}
	if strings.Contains(c.WorkerID, "|") {
		return fmt.Errorf("redis store: worker id %q contains '|'", c.WorkerID)
	}
	if c.Clock == nil {
		c.Clock = store.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Store is the Redis store.Store.
type Store struct {
	cfg     Config
	rdb     goredis.UniversalClient
	batch   *batcher // sends hot-path commands in implicit pipelines
	cluster bool
	k       keys
	clock   store.Clock
	log     *slog.Logger

	tokenPrefix string          // worker id and a random part: this process's lock tokens
	ctx         context.Context // background work; canceled by Close
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	closed      atomic.Bool
	joined      atomic.Bool // the worker takes partition leases (see join)
	// joinDone is closed when the first balancing pass has ended.
	joinDone  chan struct{}
	closedCh  chan struct{}
	closeOnce sync.Once
	tokens    atomic.Uint64

	orch, ent, act *dispatcher
	hist           *histCache
	copies         *instanceCopies // instances as this process's commits left them (copies.go)
	pending        *pendingActs    // activities per instance, for result hand-offs (result.go)

	mu         sync.Mutex
	parts      []*partition // lease state, one per partition
	live       int          // live workers seen by the last balance pass
	acts       map[*actLock]struct{}
	sweeping   []sync.Mutex        // one outbox sweep of a partition at a time
	tokensLive map[string]struct{} // instance lock tokens of work items this process may hold
	sub        *subscriber
}

var _ store.Store = (*Store)(nil)

// Open connects to Redis, records the hub's partition count, warns when
// the server cannot keep acknowledged writes and starts the background
// work (lease renewal and balancing, notifications, the safety poll,
// outbox sweeping). The store takes its share of the partition leases
// when it is first asked for orchestration or entity work (join), so that
// a process that only starts instances and reads their status never holds
// partitions it would not work on.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	rdb, cluster, err := dial(ctx, cfg.Connection, cfg.PoolSize)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, rdb: rdb, batch: newBatcher(rdb), cluster: cluster, clock: cfg.Clock, log: cfg.Logger,
		closedCh: make(chan struct{}), joinDone: make(chan struct{}), acts: map[*actLock]struct{}{}, tokensLive: map[string]struct{}{},
		tokenPrefix: cfg.WorkerID + "#" + randomHex(3) + ".",
		orch:        newDispatcher(), ent: newDispatcher(), act: newDispatcher(), hist: newHistCache(), copies: newInstanceCopies(),
		pending: &pendingActs{m: map[string]int{}}}
	if err := s.hubPartitions(ctx); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	s.k = newKeys(s.cfg.HubName, s.cfg.Partitions)
	s.parts = make([]*partition, s.cfg.Partitions)
	s.sweeping = make([]sync.Mutex, s.cfg.Partitions)
	for i := range s.parts {
		s.parts[i] = &partition{}
	}
	s.warnDurability(ctx)
	s.loadScripts(ctx)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.sub = newSubscriber(s)
	s.startBackground()
	return s, nil
}

// dial connects, as a cluster client when the server says it runs in
// cluster mode (or the connection says so).
func dial(ctx context.Context, c Connection, poolSize int) (goredis.UniversalClient, bool, error) {
	cluster := c.Cluster == "yes"
	if c.Cluster == "" {
		probe := goredis.NewClient(simpleOptions(c, c.Addrs[0], 1))
		info, err := probe.Info(ctx, "cluster").Result()
		_ = probe.Close()
		if err != nil {
			return nil, false, fmt.Errorf("redis store: connecting to %s: %w", c.Redacted(), err)
		}
		cluster = strings.Contains(info, "cluster_enabled:1")
	}
	var rdb goredis.UniversalClient
	if cluster {
		rdb = goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs, Username: c.Username, Password: c.Password,
			TLSConfig: c.TLS, DialTimeout: c.DialTimeout, PoolSize: poolSize, MaxRedirects: 8,
			Protocol: 2, DisableIdentity: true, MaxRetries: -1})
	} else {
		rdb = goredis.NewClient(simpleOptions(c, c.Addrs[0], poolSize))
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, false, fmt.Errorf("redis store: connecting to %s: %w", c.Redacted(), err)
	}
	return rdb, cluster, nil
}

func simpleOptions(c Connection, addr string, poolSize int) *goredis.Options {
	return &goredis.Options{Addr: addr, Username: c.Username, Password: c.Password, DB: c.DB, TLSConfig: c.TLS,
		DialTimeout: c.DialTimeout, PoolSize: poolSize, Protocol: 2, DisableIdentity: true, MaxRetries: -1}
}

// The client never retries a command by itself (MaxRetries -1): after a
// read timeout or a dropped connection it cannot know whether a script
// ran, and running a fetch or a commit twice is not harmless. Callers
// retry; the lock audit frees what an unanswered fetch may have locked.
//
// The client speaks RESP2 and skips CLIENT SETINFO: RESP3's push
// notifications make go-redis peek at the connection around every command
// (a syscall each), which this store does not need, and CLIENT SETINFO is
// refused by servers older than 7.2.

// hubPartitions records the partition count of a new hub and adopts the
// recorded one of an existing hub.
func (s *Store) hubPartitions(ctx context.Context) error {
	k := newKeys(s.cfg.HubName, 1)
	if err := s.rdb.HSetNX(ctx, k.meta(), "partitions", s.cfg.Partitions).Err(); err != nil {
		return fmt.Errorf("redis store: hub %s: %w", s.cfg.HubName, err)
	}
	v, err := s.rdb.HGet(ctx, k.meta(), "partitions").Int()
	if err != nil || v < 1 || v > 256 {
		return fmt.Errorf("redis store: hub %s: bad partition count %d: %v", s.cfg.HubName, v, err)
	}
	if v != s.cfg.Partitions {
		s.log.Warn("redis store: the hub was created with another partition count; using it", "hub", s.cfg.HubName,
			"configured", s.cfg.Partitions, "recorded", v)
		s.cfg.Partitions = v
	}
	return nil
}

// Config returns the store's configuration with defaults filled in.
func (s *Store) Config() Config { return s.cfg }

// Client returns the go-redis client (benchmarks read INFO through it).
func (s *Store) Client() goredis.UniversalClient { return s.rdb }

// begin checks that an operation may start.
func (s *Store) begin(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return ctx.Err()
}

func (s *Store) newToken() string {
	return s.tokenPrefix + strconv.FormatUint(s.tokens.Add(1), 10)
}

// lockToken returns a new instance lock token, live until endToken: the
// lock audit (audit.go) frees locks of this process's tokens that are no
// longer live.
func (s *Store) lockToken() string {
	t := s.newToken()
	s.mu.Lock()
	s.tokensLive[t] = struct{}{}
	s.mu.Unlock()
	return t
}

func (s *Store) endToken(t string) {
	s.mu.Lock()
	delete(s.tokensLive, t)
	s.mu.Unlock()
}

// Close gives back held work (locked instances and activity requests
// become visible at once), releases the leases and disconnects. Blocked
// Next calls return store.ErrClosed.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.closedCh)
		s.cancel()
		s.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.giveBackActivities(ctx)
		s.releaseAll(ctx)
		s.rdb.ZRem(ctx, s.k.workers(), s.cfg.WorkerID)
		err = s.rdb.Close()
	})
	return err
}

// startBackground starts the loops that run until Close.
func (s *Store) startBackground() {
	loops := []func(){s.leaseLoop, s.pollLoop, s.sweepLoop, s.renewActivitiesLoop, s.auditLoop, s.sub.run}
	for _, loop := range loops {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			loop()
		}()
	}
}

// every runs f every d until the store closes.
func (s *Store) every(d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// opError wraps err for an operation on an instance.
func opError(op, instanceID string, err error) error {
	return fmt.Errorf("redis store: %s for instance %q: %w", op, instanceID, err)
}

func lostError(op, instanceID string) error {
	return fmt.Errorf("redis store: %s for instance %q: %w", op, instanceID, store.ErrWorkItemLost)
}
