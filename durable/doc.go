// Package durable is the Go API of Durable Functions: orchestrators,
// activities, entities and the client that manages them.
//
// # Orchestrators
//
// An orchestrator is ordinary Go code that coordinates work. It is replayed
// from its history after every step, so it must be deterministic: take the
// time from CurrentUTCDateTime, ids from NewGUID, and do all I/O in
// activities.
//
//	func HelloSequence(ctx *durable.OrchestrationContext) (any, error) {
//		var out []string
//		for _, city := range []string{"Tokyo", "Seattle", "London"} {
//			var greeting string
//			if err := ctx.CallActivity("SayHello", city).Await(&greeting); err != nil {
//				return nil, err
//			}
//			out = append(out, greeting)
//		}
//		return out, nil
//	}
//
// Every call returns a Task; Await waits for it. Start several tasks before
// awaiting to run them in parallel, and combine them with WhenAll and
// WhenAny. Durable timers (CreateTimer), external events
// (WaitForExternalEvent), sub-orchestrations, retries (WithRetry) and
// ContinueAsNew complete the toolbox.
//
// # Activities and entities
//
// Activities do the I/O: ActivityOf adapts a typed function. Entities hold
// small pieces of state and run their operations one at a time; EntityOf
// turns a struct's methods into operations, and LockEntities gives an
// orchestration a critical section over several entities;
// [OrchestrationContext.IsLocked] tells code whether it runs inside one, and
// which entities it holds.
//
// # Typed handles
//
// Calling by name compiles whatever the name and input: a misspelt
// ctx.CallActivity("SayHelo", city) fails only when it runs. A handle binds
// a name to its Go function once, and the registry, the call sites and the
// client all use the handle: a misspelt name cannot happen, and an input or
// result of the wrong type is a compile error.
//
//	var SayHello = durable.NewActivity("SayHello", func(ctx context.Context, city string) (string, error) {
//		return "Hello " + city + "!", nil
//	})
//
//	greeting, err := SayHello.Call(ctx, "Tokyo").Await() // greeting is a string
//
// [NewActivity] and [NewOrchestrator] make handles whose [Activity.Call],
// [Orchestrator.CallSubOrchestrator] and [Orchestrator.Start] take the
// function's input type; [NewEntityOperation] makes one per entity
// operation, with [EntityOperation.Call], [EntityOperation.Signal] and
// [EntityOperation.SignalFromClient]. Calls return a [TaskOf], whose Await
// returns the result; its embedded Task joins WhenAll and WhenAny, and
// [WhenAllOf] gathers typed results. [Registry.Register] registers handles
// under their own names, with the errors of the string forms, which keep
// working (function.json files name functions by string).
//
// # Running
//
// Register the functions in a Registry and run them with a Runtime over a
// Store; its Client starts and manages instances. Inside an Azure Functions
// app, the handler package does this for you from host.json.
//
//	reg := durable.NewRegistry()
//	reg.AddOrchestrator("HelloSequence", HelloSequence)
//	reg.AddActivity("SayHello", durable.ActivityOf(SayHello))
//	rt := durable.NewRuntime(reg, durable.NewMemoryStore())
//	rt.Start()
//	id, _ := rt.Client().StartNew(ctx, "HelloSequence", nil)
//	status, _ := rt.Client().WaitForCompletion(ctx, id)
package durable
