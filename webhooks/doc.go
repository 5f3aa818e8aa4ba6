// Package webhooks serves the Durable Functions HTTP management API from
// your own HTTP server: the routes the Functions host offers at
// /runtime/webhooks/durabletask, with the paths, parameters, bodies, status
// codes and JSON field names of the Durable Functions extension, so that
// its documentation, the JavaScript and Python DurableClient and existing
// tooling work unchanged.
//
// A function app run by handler.Main needs nothing from this package: the
// handler serves the API itself. Use it when you run a [durable.Runtime]
// in a server of your own.
//
// # Mounting the API
//
// [New] wraps a [durable.Client] in an [API], which is an http.Handler.
// Tell it the public path it is served at ([WithBasePath], by default
// [DefaultBasePath]), so that the URLs it hands out point back at it:
//
//	rt := durable.NewRuntime(reg, store)
//	rt.Start()
//	api := webhooks.New(rt.Client(),
//		webhooks.WithHubName("MyHub"),
//		webhooks.WithKey(os.Getenv("DURABLETASK_EXTENSION_KEY")),
//	)
//	mux := http.NewServeMux()
//	mux.Handle(webhooks.DefaultBasePath+"/", api)
//
// The handler accepts request paths with or without the base path: it can
// be given the full path, be mounted with http.StripPrefix, or with chi's
// Mount under any prefix. With [WithKey], every request must carry the key
// in the code query parameter or the [KeyHeader] header.
//
// # Starting orchestrations from your own routes
//
// A route that starts an orchestration usually answers with the
// instance's management URLs, as Durable Functions' createCheckStatusResponse
// does:
//
//	mux.HandleFunc("POST /start", func(w http.ResponseWriter, r *http.Request) {
//		id, err := rt.Client().StartNew(r.Context(), "HelloSequence", nil)
//		if err != nil { ... }
//		api.CreateCheckStatusResponse(w, r, id)
//	})
//
// [API.WaitForCompletionOrCreateCheckStatusResponse] answers with the
// output instead when the instance finishes within a timeout. The URLs
// take their scheme and host from the incoming request (from
// X-Forwarded-Proto and X-Forwarded-Host only with
// [WithTrustForwardedHeaders]), their path from the base path, and carry
// taskHub, connection and, when a key is configured, a code scoped to the
// one instance: a link handed to a caller manages that instance only.
//
// # Routes
//
// Relative to the base path:
//
//	POST   orchestrators/{functionName}[/{instanceId}]   start (body: input JSON; ?timeout=&pollingInterval= waits)
//	GET    instances/{instanceId}                          status (?showHistory, showHistoryOutput, showInput, returnInternalServerErrorOnFailure)
//	GET    instances                                       list (?createdTimeFrom, createdTimeTo, runtimeStatus, instanceIdPrefix, top, showInput)
//	DELETE instances/{instanceId}                          purge one
//	DELETE instances                                       purge finished instances (?createdTimeFrom required, createdTimeTo, runtimeStatus)
//	POST   instances/{instanceId}/raiseEvent/{eventName}   raise an event (Content-Type: application/json)
//	POST   instances/{instanceId}/terminate?reason=        terminate
//	POST   instances/{instanceId}/suspend?reason=          suspend
//	POST   instances/{instanceId}/resume?reason=           resume
//	POST   instances/{instanceId}/rewind?reason=           rewind a failed instance
//	POST   instances/{instanceId}/restart                  restart (?restartWithNewInstanceId=true by default)
//	POST   entities/{name}/{key}?op=                       signal an entity (DELETE: the operation "delete")
//	GET    entities/{name}/{key}                           read an entity's state ($ is the empty key)
//	GET    entities[/{name}]                               list entities (state is null unless ?fetchState=true, as in Durable Functions; lastOperationTimeFrom/To, top)
//	GET    ui/                                             the dashboard
//
// Query parameter names match case-insensitively. Lists are paged: pass the
// x-ms-continuation-token response header back as a request header to get
// the next page, until it comes back empty.
//
// # Errors
//
// Every error is JSON, {"Message": "...", "ExceptionMessage": "..."}:
// 400 for invalid ids, parameters, bodies and unknown functions, 401 for a
// missing or wrong key, 404 for unknown instances, entities and routes, 405
// for a method a route does not serve, 410 for operations on finished
// instances that need a running one, 413 for bodies over the limit
// ([WithMaxBodyBytes]). Where Durable Functions answers 500 for a request
// that is merely wrong for the instance's state (starting an id that is
// still running, suspending a suspended instance, resuming one that is not
// suspended, rewinding one that has not failed), this package answers 409
// Conflict.
package webhooks
