// Package handler serves a Go function app the way Azure Functions runs it.
//
// Register Go code under the names the app's function.json files declare,
// then call Main:
//
//	func main() {
//		app := handler.NewApp()
//		app.Orchestrator("HelloSequence", HelloSequence)
//		app.Activity("SayHello", durable.ActivityOf(SayHello))
//		app.HTTP("HttpStart", HttpStart)
//		handler.Main(app)
//	}
//
// Behind the Functions host (FUNCTIONS_CUSTOMHANDLER_PORT is set) the binary
// speaks the custom-handler protocol: the host POSTs each invocation to
// /{FunctionName} and the handler replies with Outputs, Logs and ReturnValue.
// Without the host it serves the app itself, like `func start`: HTTP
// functions under /api/<route>, timer functions on their schedules and
// queue functions polling their queues (internal/triggers), the Durable
// Functions management API under /runtime/webhooks/durabletask, and POST
// /admin/functions/{name} to invoke queue, Event Hub and timer functions by
// hand (Event Hubs cannot be reached standalone).
//
// Either way the durable engine runs in this process, against the store
// host.json selects (the embedded SQLite file by default).
package handler
