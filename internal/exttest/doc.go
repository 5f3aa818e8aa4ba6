// Package exttest is a stand-in for the Functions host and its Durable
// extension, built on an independent implementation of the Durable Task
// protocol: microsoft/durabletask-go v0.6.0 (pinned in go.mod, built from
// the module proxy into the test binary), with its SQLite backend, its
// orchestration and activity dispatchers and its gRPC executor.
//
// The pieces, and which side each plays:
//
//	durabletask-go        the task hub: state, history, timers, work items
//	Worker (worker.go)    the extension's dispatch: takes work items as a
//	                      gRPC worker (GetWorkItems) and completes them
//	Host (host.go)        the Functions host: invokes the Go worker over
//	                      real HTTP in the custom-handler envelope (hostemu
//	                      builds the bytes) and reads the replies as the
//	                      host and the extension do
//	EntityScheduler       the extension's entity side, which durabletask-go
//	                      0.6.0 lacks, written from the protocol schema and
//	                      the Durable Task Framework's TaskEntityDispatcher
//	frontService          the extension's TaskHubSidecarService for
//	                      clients (rpcBaseUrl): durabletask-go's RPCs plus
//	                      QueryInstances, filtered purge and entities
//
// durabletask-go is linked into the test binary rather than run as a
// separate binary: it is a plain Go module, so go.mod pins it and the
// module proxy delivers it like any dependency, and one process is simpler
// to start and stop. Its generated protobuf types register under the
// schema's bare names, ours under godurable.durabletask (see
// internal/protos), so both live in one binary.
//
// What the stand-in does not reproduce: the host's process management
// (a worker that is unreachable is retried until it answers, where the
// real host restarts it), Azure Storage's partitioning and leases, the
// extension's history streaming (it has none), rewind (durabletask-go
// 0.6.0 has none), and scheduled orchestration starts.
package exttest
