// Package memqueue is the in-memory queue state that the memory store keeps
// as its only copy and the SQLite store keeps as a mirror of its tables:
// per-instance ordered messages with their locks, the ready heaps that
// find the instance or activity request that became visible first, and
// the blocking Next loops that wait for work or for the clock.
//
// A Queues is guarded by the mutex its owner passes to New, so that the
// owner can change its own state (rows, caches) in the same critical
// section as the queues.
package memqueue
