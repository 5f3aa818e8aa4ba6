// Package sqlite is the embedded default store: a single SQLite database
// file (modernc.org/sqlite, pure Go) serving one process.
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL. Every change is
// one transaction, so a process crash (kill -9) at any point leaves either
// the old or the new state. With NORMAL a commit is not fsynced until the
// next WAL checkpoint, so a power loss or operating-system crash can lose
// the last moments of commits (never tear one); WithSynchronousFull trades
// throughput for surviving those too.
//
// # One process
//
// Locks on instances and activity requests are held in memory, not in the
// database: the store assumes it is the only process using the file (two
// processes would hand out the same work). After a restart nothing is
// locked, so work that was in progress is delivered again (at-least-once).
//
// # How it is fast
//
//   - Group commit: one writer goroutine takes every create, send, commit,
//     abandon and activity completion queued while the previous round ran
//     and applies them in one transaction, then answers each caller. A
//     request that fails validation fails alone; if a round's transaction
//     fails, its requests are retried one transaction each so that one bad
//     request cannot fail the others.
//   - The queues are mirrored in memory: queued messages and activity
//     requests are loaded at Open and kept up to date by the writer after
//     each commit. Next calls never query for work; they wait on channels
//     that a commit making work visible closes, and on the clock for the
//     earliest future VisibleAt.
//   - Rows and histories of recently active instances are cached (the
//     writer updates the cache after each commit), so a work item usually
//     needs no SQL at all.
//   - WAL checkpoints (and their fsyncs) run on a background connection
//     every 500ms instead of inside the writer's commits.
//   - Statements are prepared once; events are stored as their JSON.
//
// The in-memory queue mirror grows with the number of queued messages and
// activity requests (including far-future timers), not with the number of
// instances.
package sqlite
