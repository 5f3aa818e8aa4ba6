// Package engine runs a task hub: dispatchers take orchestration, entity and
// activity work items from a store.Store, run user code through an
// Executor, and commit the outcome.
//
// The engine owns every decision about what a message means: starting and
// restarting executions, dropping duplicates and stale timers, termination,
// suspension (events that arrive while suspended are kept in history and
// replayed as new on resume), rewind, continue-as-new, and reporting
// sub-orchestration results to parents. Stores only queue and persist.
package engine
