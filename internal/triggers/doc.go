// Package triggers fires timer and queue functions the way the Functions
// host does, for an app that serves itself (standalone mode). It knows
// nothing of HTTP or of the handler: each trigger calls back a function
// with the value the host would bind (a bindings.TimerInfo, a
// bindings.QueueMessage).
//
// A timer fires on its schedule, once per occurrence across every process
// that shares the task hub:
//
//	sched, frequent, err := triggers.ParseSchedule("0 */5 * * * *", settings.Lookup, time.Now())
//	t := &triggers.Timer{
//		Name: "Cleanup", Schedule: sched, UseMonitor: !frequent,
//		Ledger: &triggers.Ledger{Store: st, Clock: store.SystemClock{}},
//		Clock:  store.SystemClock{}, Logger: log,
//		Invoke: func(ctx context.Context, info *bindings.TimerInfo) error { ... },
//	}
//	g := triggers.NewGroup()
//	g.Go(t.Run)
//	defer g.Stop(shutdownCtx)
//
// The host keeps one listener per timer (a blob lease) and a status blob
// (Last, Next, LastUpdated). Here the Ledger keeps the status in the task
// hub itself, through the one store contract: claiming an occurrence
// creates the instance timer:<function>:<occurrence> with a dedupe rule
// that refuses any existing instance, so exactly one process wins it (the
// winner reads its marker back: the row keeps the winner's execution id,
// even where a store lets a racing creation through), and the newest
// marker holds the status. The host's rules follow from that
// status: an occurrence missed while no process ran fires once at startup
// with IsPastDue (when useMonitor is on, as it is for schedules slower
// than once a minute); runOnStartup fires when a process starts; a changed
// schedule replaces the recorded next occurrence. An occurrence is claimed
// before the function runs, so a process killed mid-invocation does not
// run it again: at most once per occurrence, as the host's singleton
// listener gives.
//
// A queue polls an Azure Storage queue (Queue, with QueueService for the
// binding's connection) with host.json's extensions.queues: batches of
// BatchSize, a new batch once no more than NewBatchThreshold are in
// flight, a randomized exponential back-off from 100 ms to
// MaxPollingInterval while the queue is empty, messages kept invisible
// (renewed) while their function runs, a failed message retried after
// VisibilityTimeout and moved to <queue>-poison on its MaxDequeueCount-th
// failure, base64 or plain messages. A process that dies mid-batch loses
// nothing: its messages become visible again when their lease ends.
package triggers
