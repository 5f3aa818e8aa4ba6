// Package memory is the in-memory store: the reference semantics of the
// store.Store interface, used by unit tests and by the `memory`
// (alias `emulator`) storage provider.
//
// Everything lives in one process and is lost when it exits. Locks never
// expire: a work item stays locked until it is completed or abandoned (or
// the instance is purged or replaced), which is right for a store that
// cannot outlive the engine using it.
//
// Blocked Next calls wait on channels, never poll: a change that makes
// work visible wakes the waiters of that queue, and a waiter whose queue
// only holds future messages sleeps on the store's clock until the
// earliest of them is due.
package memory
