// Package engine runs a task hub: dispatchers take orchestration, entity and
// activity work items from a store.Store, run user code through an
// Executor, and commit the outcome.
//
// The engine owns every decision about what a message means: starting and
// restarting executions, dropping duplicates and stale timers, termination,
// suspension (events that arrive while suspended are kept in history and
// replayed as new on resume), rewind, continue-as-new, and reporting
// sub-orchestration results to parents. Stores only queue and persist.
//
// Two fast paths skip the queue when the store shares the process
// (SQLite): CreateInstance runs an instance's first episode in the
// client's goroutine and commits it with the creation
// (store.InlineStarter, inline.go), and an activity worker runs the
// episode its result starts and commits it with the activity's
// completion (store.ResultHandoff, handoff.go). Each saves a message that
// would be written, dequeued and deleted, and a dispatch hop. Both are
// one commit, so a crash before it leaves what a crash before a
// CreateInstance or a CompleteActivityWorkItem leaves; the crash tests
// kill the process at exactly those points (failpoint_on.go, built with
// the durable_failpoints tag).
package engine
