// Package redis is a store.Store over Redis: a single server, or a Redis
// Cluster, shared by any number of worker processes. docs/redis.md
// describes the key layout, the scripts, the commit protocol and what each
// Redis persistence setting means for acknowledged work.
//
// # Opening a store
//
//	conn, err := redis.ParseConnection("localhost:6379") // or redis://…, rediss://…, or host:6380,password=…,ssl=True
//	s, err := redis.Open(ctx, redis.Config{HubName: "MyHub", Connection: conn})
//	defer s.Close()
//
// Open detects a cluster (INFO cluster) and logs a warning when the server
// cannot keep acknowledged writes through a crash (no append-only file).
//
// # Partitions, leases and fencing
//
// A hub has Partitions partitions (default 16); an instance belongs to
// partition FNV-1a(id) mod Partitions, and every key of a partition
// carries the hash tag {hub:p}, so one Lua script can change anything in
// it atomically, on a cluster too. A worker takes orchestration and entity
// work only from partitions whose lease it holds; leases expire when a
// worker dies and are balanced when one joins. Each lease has an epoch
// (a fencing token): fetches and commits run only under the current
// lease, so a worker whose lease lapsed cannot commit. Activity requests
// are shared by all workers with a visibility timeout.
//
// # Commits
//
// A commit is one script on the instance's partition: history, row,
// indexes, the deletion of the delivered messages, messages to instances
// of the same partition, timers and activity requests. Messages to other
// partitions go to the partition's outbox in the same script, and are
// delivered right after it; entries a crashed committer left behind are
// delivered by the partition's owner. An inline start's commit also
// creates the instance (inline.go) and a result hand-off's commit also
// deletes the activity request it answers (result.go).
//
// # Why go-redis
//
// The store uses github.com/redis/go-redis/v9 rather than
// github.com/redis/rueidis: one UniversalClient type covers a single
// server and a cluster (slot routing, MOVED/ASK redirects, pipelines split
// by node), Script runs EVALSHA and falls back to EVAL after a server
// restart emptied the script cache, it reconnects with back-off on its
// own, and it parses redis:// and rediss:// URLs and TLS settings the way
// Azure Cache for Redis documents them. rueidis pipelines automatically
// and is faster per command, but its advantage lies in client-side caching
// and very high command rates; this store spends its round trips in a few
// scripts per episode, where the difference is small (see the benchmark
// figures in docs/redis.md).
package redis
