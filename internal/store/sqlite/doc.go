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
//   - Statements are prepared once, and a commit runs few of them: its
//     new history events go into one row (a chunk, chunk.go), a new
//     instance row is one INSERT that checks the id is free, consumed
//     messages with consecutive ids go in one DELETE (msgdelete.go), and
//     the first delivery of a fresh message or activity request writes no
//     dequeue count (dequeue.go says what that costs poison handling).
//   - Events are stored in a binary form (history.AppendBinary), several
//     times cheaper to write and read than their JSON; rows written as
//     JSON before schema version 3 still read.
//   - Each commit writes few pages, because the WAL frame writes are most
//     of its cost on a virtual disk: a row is updated in place with the
//     narrowest UPDATE that leaves the unchanged indexes alone
//     (rowwrite.go), and two fast paths write no message at all: an
//     inline start commits an instance with its first episode
//     (store.InlineStarter, inline.go) and a result hand-off commits an
//     activity's completion with the episode it starts
//     (store.ResultHandoff, handoff.go). A one-activity orchestration
//     takes two commits, seven statements and about 16 WAL frames in all,
//     against four to seven commits and about 40 frames through the
//     queue.
//
// The in-memory queue mirror grows with the number of queued messages and
// activity requests (including far-future timers), not with the number of
// instances.
//
// # Management at scale
//
// Queries and purges cost the same whatever the hub's size (listsql.go,
// purgesql.go; docs/benchmarks.md has the figures):
//
//   - A page reads one range of an index in its order, with a LIMIT:
//     (created_at, id) for plain and time-window queries, (status,
//     created_at, id) once per status for status filters (the ranges are
//     merged), the id key for an id prefix and for entities (those pages
//     are in id order). Continuation tokens hold the last row's key and
//     resume with a row-value comparison, which is one index range.
//   - A purge by filter reads its candidates from the status index (or,
//     for the retention purge, a partial index of finished rows by
//     completion time) a batch at a time on a reader connection and
//     deletes each batch in a writer request of its own, sized to hold the
//     writer for about 5 ms. Starts and commits wait for one batch at
//     most, and batches never run while a checkpoint copies (walGate).
//   - Databases run with auto_vacuum=INCREMENTAL, and a purge gives the
//     pages it freed back to the file system in bounded steps. An
//     existing file without it is converted at Open when it is at most
//     256 MiB; a larger one keeps its free pages for later writes.
//   - The WAL is bounded during bulk writes, not only after them: see
//     checkpointer.
package sqlite
