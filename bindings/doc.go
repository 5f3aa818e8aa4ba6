// Package bindings reads an Azure Functions function app (host.json, app
// settings and one function.json per function folder) and decodes the
// payloads the Functions host sends to a custom handler.
//
// It depends only on the standard library, so every other package of the
// runtime (the custom-handler server, the standalone server, tests) can use
// it.
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
//	settings, err := bindings.LoadSettings(dir, standalone, os.Environ())
//	if err != nil { ... }
//	app, err := bindings.LoadAppWithSettings(dir, settings)
//	if err != nil {
//		// *bindings.AppError: every problem, one per line, each naming
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
// app.Host.DurableTask.ResolveStorage picks the durable store.
//
// # Decoding invocations
//
// Behind the host, each invocation is a POST of an InvocationRequest. The
// host JSON-encodes string values twice, so always go through the
// decoders rather than json.Unmarshal on a Data entry:
//
//	req, err := bindings.DecodeInvocationRequest(body)
//	raw, _ := req.Value(f.Trigger.Name)
//	switch f.Kind() {
//	case bindings.KindHTTP:
//		httpReq, err := bindings.DecodeHTTPRequest(raw)
//	case bindings.KindQueue:
//		msg, err := bindings.DecodeQueueMessage(req, f.Trigger.Name)
//	case bindings.KindEventHub:
//		batch, err := bindings.DecodeEventHub(req, f.Trigger)
//	case bindings.KindTimer:
//		info, err := bindings.DecodeTimer(raw)
//	default:
//		s, err := bindings.DecodeString(raw) // durable triggers, client binding
//	}
//
// Reply with an InvocationResponse; an http output binding takes an
// HTTPResponse:
//
//	json.NewEncoder(w).Encode(bindings.InvocationResponse{
//		Outputs: map[string]any{"res": bindings.HTTPResponse{StatusCode: 202, Body: payload}},
//	})
//
// # Routes
//
// In standalone mode HTTP functions are served under /<routePrefix>/<route>.
// App.MatchHTTP picks the function for a request like the host's router;
// MatchRoute and CompileRoute match a single route template such as
// "orchestrators/{functionName}/{instanceId?}" or "durabletask/{*path}".
package bindings
