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
// queue functions polling their queues (internal/triggers and
// internal/triggers/azurequeue), the Durable
// Functions management API under /runtime/webhooks/durabletask, and POST
// /admin/functions/{name} to invoke queue, Event Hub and timer functions by
// hand (Event Hubs cannot be reached standalone).
//
// Either way the durable engine runs in this process, against the store
// host.json selects (the embedded SQLite file by default).
//
// The SQLite and memory stores are built in. Azure Storage (the store and
// standalone queue polling) and Redis are linked only into apps that pass
// their Provider to App.Use, so that an app that does not use them does
// not carry their SDKs; a host.json that needs one the app did not pass
// stops it at startup with the line to add:
//
//	app.Use(azurestore.Provider, redisstore.Provider)
package handler
