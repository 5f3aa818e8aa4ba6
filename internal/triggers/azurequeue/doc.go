// Package azurequeue fires queue-triggered functions for an app that
// serves itself (standalone mode), as the Functions host does. A Queue
// polls an Azure Storage queue (QueueService opens the binding's
// connection) with host.json's extensions.queues: batches of
// BatchSize, a new batch once no more than NewBatchThreshold are in
// flight, a randomized exponential back-off from 100 ms to
// MaxPollingInterval while the queue is empty, messages kept invisible
// (renewed) while their function runs, a failed message retried after
// VisibilityTimeout and moved to <queue>-poison on its MaxDequeueCount-th
// failure, base64 or plain messages. A process that dies mid-batch loses
// nothing: its messages become visible again when their lease ends.
//
// It is a package of its own, apart from the timers of package triggers,
// so that only programs that opt in to queue triggers link the Azure SDK
// (handler.App.Use(azurestore.Provider)).
package azurequeue
