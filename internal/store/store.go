// Package store defines the one contract every store implements
// (memory, sqlite, Azure Storage) and the values that cross it.
//
// A store is a set of queues plus instance state and history. It knows
// nothing of replay or of what messages mean: the engine decides what to
// do with a work item and hands back one commit, which the store applies
// atomically (or, for Azure Storage, in a crash-safe order that the next
// reader repairs).
//
// Delivery is at-least-once: a work item that is neither completed nor
// abandoned (the worker crashed) is delivered again later. Commits are
// exactly-once: a commit for a work item whose lock was lost fails with
// ErrWorkItemLost and changes nothing.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

// Sentinel errors returned (possibly wrapped) by Store methods.
var (
	// ErrNotFound: no instance with that id exists (GetInstance,
	// GetHistory, PurgeInstance).
	ErrNotFound = errors.New("instance not found")
	// ErrInstanceExists: CreateInstance found an instance with the id in a
	// status the request's dedupe rule refuses (by default Pending, Running,
	// Suspended or ContinuedAsNew).
	ErrInstanceExists = errors.New("an instance with this id already exists")
	// ErrWorkItemLost: the work item's lock expired or was taken by another
	// worker; the commit or abandon was not applied.
	ErrWorkItemLost = errors.New("work item lock lost")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrInvalidQuery: a continuation token or filter the store cannot use.
	ErrInvalidQuery = errors.New("invalid query")
)

// Store is the contract every store implements. All methods are safe for concurrent use.
type Store interface {
	// CreateInstance creates (or replaces) an instance and queues its
	// ExecutionStarted message. start.OrchestrationInstance names the
	// instance and its new execution. A finished instance (Completed,
	// Failed, Terminated, Canceled) with the same id is replaced: its
	// history and row are discarded. An active one fails with
	// ErrInstanceExists unless opts.DedupeStatuses says otherwise.
	CreateInstance(ctx context.Context, start *history.Event, opts CreateOptions) error

	// SendMessages queues messages for instances (external events,
	// terminate, suspend, resume, rewind, entity operations). The store does
	// not check that the target exists: the engine decides on delivery.
	SendMessages(ctx context.Context, msgs ...Message) error

	// NextOrchestrationWorkItem blocks until some instance of the given kind
	// has visible messages, locks that instance and returns its state,
	// history and messages. It returns ctx.Err() when ctx ends and ErrClosed
	// when the store closes. An instance is never in two work items at once.
	NextOrchestrationWorkItem(ctx context.Context, kind WorkKind) (*OrchestrationWorkItem, error)
	// CompleteOrchestrationWorkItem applies c atomically: history,
	// instance row, outbound messages and activity requests are written and
	// the work item's messages deleted, or nothing happens. Messages that
	// arrived for the instance while it was locked stay queued.
	CompleteOrchestrationWorkItem(ctx context.Context, wi *OrchestrationWorkItem, c *OrchestrationCommit) error
	// AbandonOrchestrationWorkItem unlocks the instance; its messages become
	// visible again after retryAfter, with their dequeue count kept.
	AbandonOrchestrationWorkItem(ctx context.Context, wi *OrchestrationWorkItem, retryAfter time.Duration) error

	// NextActivityWorkItem blocks until an activity request is visible and
	// locks it.
	NextActivityWorkItem(ctx context.Context) (*ActivityWorkItem, error)
	// CompleteActivityWorkItem atomically deletes the request and queues its
	// result (TaskCompleted or TaskFailed) for the orchestration.
	CompleteActivityWorkItem(ctx context.Context, wi *ActivityWorkItem, result *history.Event) error
	// AbandonActivityWorkItem makes the request visible again after
	// retryAfter.
	AbandonActivityWorkItem(ctx context.Context, wi *ActivityWorkItem, retryAfter time.Duration) error

	// GetInstance returns an instance's row, or ErrNotFound.
	GetInstance(ctx context.Context, instanceID string) (*Instance, error)
	// GetHistory returns the history of an instance's current execution, or
	// ErrNotFound.
	GetHistory(ctx context.Context, instanceID string) ([]*history.Event, error)
	// ListInstances returns one page of instances matching q and a token
	// for the next page ("" when none). A page costs the same wherever it
	// lies, so its order is one an index serves: by id for a query with an
	// InstanceIDPrefix or for OnlyEntities, else by creation time then id
	// (a store whose instance table is ordered by id alone, like Azure
	// Storage's, lists every query by id). Paging through returns every
	// instance that matched throughout exactly once; a page may hold fewer
	// than PageSize instances and still have a token.
	ListInstances(ctx context.Context, q *Query) (*Page, error)
	// PurgeInstance deletes an instance's row, history and queued messages.
	// It returns ErrNotFound when there is no such instance.
	PurgeInstance(ctx context.Context, instanceID string) error
	// PurgeInstances deletes every finished instance matching f and returns
	// how many it deleted. It deletes in bounded batches, so that other
	// calls are not held up for the whole purge; a purge that fails part
	// way returns how many it deleted so far.
	PurgeInstances(ctx context.Context, f *PurgeFilter) (int, error)

	// Close releases the store's resources; blocked Next calls return
	// ErrClosed.
	Close() error
}

// InlineStarter is an optional Store capability for a store whose
// dispatchers share the creator's process (SQLite): creating an
// instance already locked by its creator, which runs the first episode
// at once, so that one commit writes the instance and that episode
// instead of a start message that is written, dequeued, locked and
// deleted in between. Stores that lack it need not change: the engine
// then calls CreateInstance.
type InlineStarter interface {
	// CreateLocked returns a work item for the instance start creates,
	// holding start as its one message and the Pending row CreateInstance
	// would write as its Instance; nothing is stored yet. ok is false,
	// and nothing happened, when the store cannot start this instance
	// inline (a scheduled start, or the id has messages, a lock or a
	// known row): the caller then uses CreateInstance.
	//
	// CompleteOrchestrationWorkItem on the work item writes the instance
	// and the commit atomically. It fails with ErrWorkItemLost, writing
	// nothing and releasing the reservation, when the id has a row by
	// then; the caller then uses CreateInstance, which applies the
	// dedupe rules. AbandonOrchestrationWorkItem releases the reservation
	// and creates the instance as CreateInstance(start, opts) does, for
	// the dispatchers to run.
	CreateLocked(ctx context.Context, start *history.Event, opts CreateOptions) (wi *OrchestrationWorkItem, ok bool, err error)
}

// ResultHandoff is an optional Store capability for a store whose
// dispatchers share the activity worker's process (SQLite): the worker
// that ran an activity runs the episode its result starts, and one
// commit deletes the activity request and writes that episode, instead
// of a result message that is written, dequeued, locked and deleted in
// between. Stores that lack it need not change.
type ResultHandoff interface {
	// LockForResult locks the orchestration instance awi belongs to for
	// the caller, provided nobody holds it and it has no queued messages,
	// and returns a work item whose one message is result (not stored).
	// ok is false, and nothing happened, otherwise: the caller then uses
	// CompleteActivityWorkItem.
	//
	// CompleteOrchestrationWorkItem on the work item also deletes the
	// activity request, atomically; it fails with ErrWorkItemLost,
	// writing nothing and unlocking the instance, when the activity's
	// lock was lost. AbandonOrchestrationWorkItem unlocks the instance
	// only: the caller still holds the activity and completes it with
	// CompleteActivityWorkItem.
	LockForResult(ctx context.Context, awi *ActivityWorkItem, result *history.Event) (wi *OrchestrationWorkItem, ok bool, err error)
}

// AsyncActivityCompleter is an optional Store capability for a store that
// groups commits (SQLite): an activity's result is queued for the next
// group commit and the worker goes on to its next activity instead of
// waiting for that commit. Stores that lack it need not change.
type AsyncActivityCompleter interface {
	// CompleteActivityWorkItemAsync queues what CompleteActivityWorkItem
	// writes and returns once it is queued; then receives the commit's
	// outcome, as CompleteActivityWorkItem would have returned it, on a
	// goroutine of the store's that it must not block. Until then the
	// request stays locked and is not handed out again; when the outcome
	// is an error other than ErrWorkItemLost, nothing was written and the
	// lock still holds, so the caller may complete or abandon it. An
	// error returned here means nothing was queued and then is not
	// called.
	CompleteActivityWorkItemAsync(ctx context.Context, wi *ActivityWorkItem, result *history.Event, then func(error)) error
}

// TimeOrderedIDs is an optional Store capability for a store that keeps
// instances in B-trees keyed by instance id (SQLite): ids generated for
// new instances then sort by creation time (NewInstanceID), so the rows
// and history of instances started together share pages and a group
// commit writes fewer of them. Stores that spread ids over partitions by
// key range (Azure tables) want random ids and do not implement it.
type TimeOrderedIDs interface {
	TimeOrderedIDs() bool
}

// WorkKind selects which instances a dispatcher takes work for.
type WorkKind int

const (
	// Orchestrations are instances whose id does not start with '@'.
	Orchestrations WorkKind = iota
	// Entities are instances whose id starts with '@'.
	Entities
)

// KindOf returns the work kind of an instance id.
func KindOf(instanceID string) WorkKind {
	if len(instanceID) > 0 && instanceID[0] == '@' {
		return Entities
	}
	return Orchestrations
}

// CreateOptions tune CreateInstance.
type CreateOptions struct {
	// DedupeStatuses lists the statuses of an existing instance that make
	// CreateInstance fail with ErrInstanceExists. Nil means the Durable
	// Functions default: Pending, Running, Suspended, ContinuedAsNew.
	DedupeStatuses []history.RuntimeStatus
	// VisibleAt delays the start message (scheduled start); zero means now.
	VisibleAt time.Time
}

// Message is a queued history event addressed to an instance.
type Message struct {
	// InstanceID is the destination instance.
	InstanceID string
	// ExecutionID, when set, is the destination execution: the engine drops
	// messages for an execution that is no longer current.
	ExecutionID string
	Event       *history.Event
	// VisibleAt delays delivery (durable timers, scheduled signals).
	VisibleAt time.Time

	// Set by the store on delivery.
	ID           string
	DequeueCount int
}

// Instance is an instance's row: its current status and payloads.
type Instance struct {
	InstanceID  string
	ExecutionID string
	Name        string
	Status      history.RuntimeStatus
	// Input, Output and CustomStatus are JSON text ("" when none). For an
	// entity, Input holds the entity's serialized scheduler state.
	Input        string
	Output       string
	CustomStatus string
	Failure      *history.FailureDetails

	CreatedAt       time.Time
	LastUpdatedAt   time.Time
	CompletedAt     time.Time // zero until the instance finishes
	ScheduledStart  time.Time // zero when started at once
	ParentInstance  string
	ParentExecution string
}

// OrchestrationWorkItem is a locked instance with its pending messages.
type OrchestrationWorkItem struct {
	InstanceID string
	// Instance is nil when the instance has no row yet (a sub-orchestration
	// or entity receiving its first message) or no longer has one (purged).
	Instance *Instance
	// History is the current execution's history.
	History  []*history.Event
	Messages []*Message
	// Lock is store-private.
	Lock any
}

// OrchestrationCommit is the outcome of processing one work item.
type OrchestrationCommit struct {
	// Instance is the new row. Nil deletes nothing and writes nothing: used
	// to drop messages for an instance that does not exist.
	Instance *Instance
	// ReplaceHistory discards the stored history first (a new execution,
	// continue-as-new, rewind, or an entity whose state lives in the row).
	ReplaceHistory bool
	// NewHistory is appended to the history (after the replace).
	NewHistory []*history.Event
	// Messages go to instances' queues (other instances, and timers to this
	// one with VisibleAt).
	Messages []Message
	// Activities are TaskScheduled events to run, for this instance's
	// ExecutionID.
	Activities []*history.Event
}

// ActivityWorkItem is a locked activity request.
type ActivityWorkItem struct {
	InstanceID   string
	ExecutionID  string
	Event        *history.Event // TaskScheduled: EventID, Name, Input
	DequeueCount int
	Lock         any
}

// InstanceKind filters queries by what instances are.
type InstanceKind int

const (
	// OnlyOrchestrations excludes entities ('@' ids).
	OnlyOrchestrations InstanceKind = iota
	// OnlyEntities returns entities only.
	OnlyEntities
	// AllInstances returns both.
	AllInstances
)

// Query filters ListInstances. Zero values mean "no filter".
type Query struct {
	Kind             InstanceKind
	CreatedFrom      time.Time
	CreatedTo        time.Time
	Statuses         []history.RuntimeStatus
	InstanceIDPrefix string
	// PageSize is the largest page wanted (0: the store's default, 100).
	PageSize          int
	ContinuationToken string
	// WithPayloads includes Input, Output and CustomStatus; without it they
	// may be left empty.
	WithPayloads bool
}

// Page is one page of query results.
type Page struct {
	Instances         []*Instance
	ContinuationToken string
}

// PurgeFilter selects finished instances to purge. Statuses other than
// Completed, Failed, Terminated and Canceled are ignored; none means all
// four.
type PurgeFilter struct {
	Kind         InstanceKind
	CreatedFrom  time.Time
	CreatedTo    time.Time
	Statuses     []history.RuntimeStatus
	CompletedTo  time.Time // only instances that finished before this (retention)
	InstanceIDs  []string  // only these ids (used for recursive purge)
	MaxInstances int       // stop after this many (0: no limit)
}

// Clock tells stores the time; tests substitute a virtual clock.
type Clock interface {
	Now() time.Time
	// After is like time.After on this clock.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// After returns time.After(d).
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// DefaultDedupeStatuses are the statuses that make CreateInstance refuse an
// existing id.
var DefaultDedupeStatuses = []history.RuntimeStatus{
	history.StatusPending, history.StatusRunning, history.StatusSuspended, history.StatusContinuedAsNew,
}
