package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/memqueue"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Option configures a Store.
type Option func(*config)

type config struct {
	clock       store.Clock
	synchronous string
	busyTimeout time.Duration
	readers     int
	// Tests lower these: see checkpointer and prepareVacuum.
	walLimit, convertLimit int64
}

// WithClock makes the store tell time by c (tests use a virtual clock).
func WithClock(c store.Clock) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.clock = c
		}
	}
}

// WithSynchronousFull fsyncs every commit (synchronous=FULL): commits
// survive power loss too, at a large cost in throughput.
func WithSynchronousFull() Option {
	return func(cfg *config) { cfg.synchronous = "FULL" }
}

// WithBusyTimeout sets how long SQLite waits for a lock held by another
// connection (default 10s).
func WithBusyTimeout(d time.Duration) Option {
	return func(cfg *config) { cfg.busyTimeout = d }
}

// Store is the SQLite store.Store.
type Store struct {
	clock store.Clock
	path  string
	wdb   *sql.DB // the writer's single connection
	rdb   *sql.DB // readers
	w     writerStmts
	r     readerStmts

	mu    sync.Mutex
	q     *memqueue.Queues // the mirror of the queue tables; guarded by mu
	cache map[string]*cached
	// actsOf counts each instance's activity requests in the mirror
	// (handoff.go); guarded by mu.
	actsOf map[string]int
	// finished holds the rows of instances that finished lately
	// (queue.go); guarded by mu.
	finished map[string]*store.Instance
	// dq holds the dequeue counts not written yet (dequeue.go); guarded
	// by mu.
	dq dequeues

	// The writer.
	ops            chan *op
	submitting     sync.WaitGroup
	writerDone     chan struct{}
	checkpointDone chan struct{}
	nextMsgID      int64 // writer-owned id counters
	nextActID      int64
	incremental    bool // auto_vacuum=INCREMENTAL: reclaim can free pages

	walFull     atomic.Bool // the writer is to restart the WAL; see checkpointer
	walPressure atomic.Bool // bulk requests wait; see checkpointer
	gate        walGate     // checkpoint passes and bulk requests take turns
	walKick     chan struct{}
	walLimit    int64
	pageSize    int64
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it and its parent directories if needed) the
// database file at path, migrates its schema and loads its queues.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := config{clock: store.SystemClock{}, synchronous: "NORMAL", busyTimeout: 10 * time.Second, readers: 4,
		walLimit: defaultWALLimit, convertLimit: defaultConvertLimit}
	for _, o := range opts {
		o(&cfg)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite store %s: %w", path, err)
		}
	}
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+cfg.synchronous+")")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(OFF)")
	q.Add("_pragma", "wal_autocheckpoint(0)") // see checkpointer
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	wdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	s := &Store{
		clock:          cfg.clock,
		path:           path,
		wdb:            wdb,
		cache:          make(map[string]*cached),
		actsOf:         make(map[string]int),
		finished:       make(map[string]*store.Instance),
		dq:             newDequeues(),
		ops:            make(chan *op, 1024),
		writerDone:     make(chan struct{}),
		checkpointDone: make(chan struct{}),
		walLimit:       cfg.walLimit,
		walKick:        make(chan struct{}, 1),
	}
	s.q = memqueue.New(&s.mu, cfg.clock)
	fail := func(err error) (*Store, error) {
		_ = s.closeDBs()
		return nil, fmt.Errorf("sqlite store %s: %w", path, err)
	}
	if s.incremental, err = prepareVacuum(ctx, wdb, cfg.convertLimit); err != nil {
		return fail(err)
	}
	if err := migrate(ctx, wdb); err != nil {
		return fail(err)
	}
	if err := wdb.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&s.pageSize); err != nil {
		return fail(err)
	}
	rq := url.Values{}
	rq.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	rq.Add("_pragma", "query_only(1)")
	if s.rdb, err = sql.Open("sqlite", "file:"+path+"?"+rq.Encode()); err != nil {
		return fail(err)
	}
	s.rdb.SetMaxOpenConns(cfg.readers)
	s.rdb.SetMaxIdleConns(cfg.readers)
	if err := s.w.prepare(ctx, wdb); err != nil {
		return fail(err)
	}
	if err := s.r.prepare(ctx, s.rdb); err != nil {
		return fail(err)
	}
	if err := s.load(ctx); err != nil {
		return fail(err)
	}
	cq := url.Values{}
	cq.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", cfg.busyTimeout.Milliseconds()))
	cq.Add("_pragma", "synchronous("+cfg.synchronous+")")
	cdb, err := sql.Open("sqlite", "file:"+path+"?"+cq.Encode())
	if err != nil {
		return fail(err)
	}
	cdb.SetMaxOpenConns(1)
	go s.writer()
	go s.checkpointer(cdb)
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// load fills the queue mirror from the database. Nothing is locked after
// a restart.
func (s *Store) load(ctx context.Context) error {
	rows, err := s.wdb.QueryContext(ctx, `SELECT id, instance_id, execution_id, visible_at, due_at, dequeue_count, event FROM messages ORDER BY id`)
	if err != nil {
		return fmt.Errorf("load messages: %w", err)
	}
	for rows.Next() {
		var (
			m        memqueue.Message
			id       string
			vis, due int64
			ev       []byte
		)
		if err := rows.Scan(&m.ID, &id, &m.ExecID, &vis, &due, &m.Dequeue, &ev); err != nil {
			rows.Close()
			return fmt.Errorf("load messages: %w", err)
		}
		if m.Event, err = decodeEvent(ev); err != nil {
			rows.Close()
			return fmt.Errorf("load message %d for instance %q: %w", m.ID, id, err)
		}
		m.VisibleAt, m.Due = fromNanos(vis), fromNanos(due)
		s.nextMsgID = max(s.nextMsgID, m.ID)
		s.q.Enqueue(id, &m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load messages: %w", err)
	}
	rows, err = s.wdb.QueryContext(ctx, `SELECT id, instance_id, execution_id, visible_at, dequeue_count, event FROM activities ORDER BY id`)
	if err != nil {
		return fmt.Errorf("load activities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			a   memqueue.Activity
			vis int64
			ev  []byte
		)
		if err := rows.Scan(&a.ID, &a.InstanceID, &a.ExecID, &vis, &a.Dequeue, &ev); err != nil {
			return fmt.Errorf("load activities: %w", err)
		}
		if a.Event, err = decodeEvent(ev); err != nil {
			return fmt.Errorf("load activity %d for instance %q: %w", a.ID, a.InstanceID, err)
		}
		a.VisibleAt = fromNanos(vis)
		s.nextActID = max(s.nextActID, a.ID)
		s.addActivity(&a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load activities: %w", err)
	}
	// Ids keep growing across restarts even after the queues empty.
	var seqMsg, seqAct sql.NullInt64
	_ = s.wdb.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'messages'`).Scan(&seqMsg)
	_ = s.wdb.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'activities'`).Scan(&seqAct)
	s.nextMsgID = max(s.nextMsgID, seqMsg.Int64)
	s.nextActID = max(s.nextActID, seqAct.Int64)
	s.dq.loadedMsgID, s.dq.loadedActID = s.nextMsgID, s.nextActID
	return nil
}

// TimeOrderedIDs asks for instance ids that sort by creation time
// (store.TimeOrderedIDs): the id index and the history are B-trees keyed
// by id, and random ids scatter a group commit's rows over as many pages.
func (s *Store) TimeOrderedIDs() bool { return true }

var _ store.TimeOrderedIDs = (*Store)(nil)

// Close stops the writer after it has applied every request already
// queued, fails blocked and later calls with store.ErrClosed and closes
// the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.q.Close() {
		s.mu.Unlock()
		<-s.writerDone
		return nil
	}
	s.mu.Unlock()
	s.submitting.Wait()
	if o := s.flushDequeues(); o != nil {
		s.ops <- o
		<-o.done // a failure leaves the counts of the last deliveries lower, no worse
	}
	close(s.ops)
	<-s.writerDone
	<-s.checkpointDone
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	s.w.close()
	s.r.close()
	var err error
	if s.rdb != nil {
		err = s.rdb.Close()
	}
	if s.wdb != nil {
		if e := s.wdb.Close(); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// begin locks mu unless the store is closed or ctx has ended.
func (s *Store) begin(ctx context.Context) error { return s.q.Begin(ctx) }

// lockToken is the Lock of this store's work items.
type lockToken struct {
	store   *Store
	token   uint64
	msgIDs  []int64
	row     *store.Instance  // as loaded
	history []*history.Event // as loaded (shared, never modified)
	actID   int64
	// start is set for a work item of CreateLocked: the instance is
	// created by its commit; see inline.go.
	start *inlineStart
	// result is set for a work item of LockForResult: the commit deletes
	// this activity request (its lock); see handoff.go.
	result *lockToken
}

func (s *Store) lockOf(l any) (*lockToken, bool) {
	t, ok := l.(*lockToken)
	return t, ok && t != nil && t.store == s
}

func lostError(op, instanceID string) error {
	return fmt.Errorf("%s for instance %q: %w", op, instanceID, store.ErrWorkItemLost)
}
