// Package triggers fires timer functions the way the Functions
// host does, for an app that serves itself (standalone mode). It knows
// nothing of HTTP or of the handler: each trigger calls back a function
// with the value the host would bind (a bindings.TimerInfo).
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
// Queue triggers poll Azure Storage queues, so they live in package
// azurequeue: a program links the Azure SDK only when it opts in to them.
package triggers
