// Package funcapp is the function app as the Functions host sees it:
// host.json, function.json, app settings, and the custom-handler wire
// formats.
//
// It depends only on the standard library and on the public trigger values
// of package bindings, so every other part of the runtime (the
// custom-handler server, the host emulator, the durablefunc command,
// tests) can use it. User code never imports it: a function gets its
// trigger value already decoded.
//
// # Loading an app
//
// A function app is a directory with a host.json and one folder per
// function; the folder name is the function name:
//
//	app/
//	  host.json
//	  local.settings.json     (optional, standalone mode only)
//	  HttpStart/function.json
//	  HelloSequence/function.json
//
// Load it with the settings of the mode you run in:
//
//	settings, err := funcapp.LoadSettings(dir, standalone, os.Environ())
//	if err != nil { ... }
//	app, err := funcapp.LoadAppWithSettings(dir, settings)
//	if err != nil {
//		// *funcapp.AppError: every problem, one per line, each naming
//		// the file and the fix.
//	}
//	for _, f := range app.Functions {
//		fmt.Println(f.Name, f.Kind(), f.DurableName())
//	}
//
// Settings are the environment merged over local.settings.json Values
// (environment wins). Any host.json value can be overridden by a setting
// named AzureFunctionsJobHost__<key>__<key>, for example
// AzureFunctionsJobHost__extensions__durableTask__storageProvider__type=memory.
// Typed configuration, with defaults and validation, is in app.Host, and
// [DurableTaskConfig.ResolveStorage] picks the durable store.
//
// # Decoding invocations
//
// Behind the host, each invocation is a POST of an [InvocationRequest].
// The host JSON-encodes string values twice, so always go through the
// decoders rather than json.Unmarshal on a Data entry:
//
//	req, err := funcapp.DecodeInvocationRequest(body)
//	raw, _ := req.Value(f.Trigger.Name)
//	switch f.Kind() {
//	case funcapp.KindHTTP:
//		httpReq, err := funcapp.DecodeHTTPRequest(raw)
//	case funcapp.KindQueue:
//		msg, err := funcapp.DecodeQueueMessage(req, f.Trigger.Name) // *bindings.QueueMessage
//	case funcapp.KindEventHub:
//		batch, err := funcapp.DecodeEventHub(req, f.Trigger) // *bindings.EventHubBatch
//	case funcapp.KindTimer:
//		info, err := funcapp.DecodeTimer(raw) // *bindings.TimerInfo
//	default:
//		s, err := funcapp.DecodeString(raw) // durable triggers, client binding
//	}
//
// Reply with an [InvocationResponse]; an http output binding takes an
// [HTTPResponse]:
//
//	json.NewEncoder(w).Encode(funcapp.InvocationResponse{
//		Outputs: map[string]any{"res": funcapp.HTTPResponse{StatusCode: 202, Body: payload}},
//	})
//
// # Routes
//
// In standalone mode HTTP functions are served under /<routePrefix>/<route>.
// [App.MatchHTTP] picks the function for a request like the host's router;
// [MatchRoute] and [CompileRoute] match a single route template such as
// "orchestrators/{functionName}/{instanceId?}" or "durabletask/{*path}".
package funcapp
