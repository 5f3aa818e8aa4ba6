// Package bindings holds the trigger values a function app's Go code
// receives: a queue message, a batch of Event Hubs events, a timer tick.
//
// The handler decodes them from the Functions host's invocation (or, when
// serving standalone, from a hand-made one) before it calls your function,
// so a trigger function only reads fields:
//
//	app.Queue("CounterFromQueue", func(ctx context.Context, msg *bindings.QueueMessage, fc *handler.FunctionContext) error {
//		var s Signal
//		if err := json.Unmarshal([]byte(msg.Text), &s); err != nil {
//			return err // the host retries the message
//		}
//		return fc.Client().SignalEntity(ctx, durable.NewEntityID("Counter", s.Key), "add", s.Amount)
//	})
//
// [QueueMessage] is one queue message: its text and properties such as
// DequeueCount. [EventHubBatch] holds the [EventHubEvent] values of one
// invocation (one event for cardinality "one", many for "many") and the
// [EventHubPartitionContext] they came from. [TimerInfo] says whether a
// timer tick is late, with the schedule's [TimerScheduleStatus].
//
// The function types that take these values are handler.QueueFunc,
// handler.EventHubFunc and handler.TimerFunc.
package bindings
