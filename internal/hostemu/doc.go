// Package hostemu emulates the Azure Functions host in front of a custom
// handler, for tests. It builds invocation requests exactly as the host
// does (spec/custom-handler.md §1), sends them over real HTTP, and checks
// the replies the way the host would use them.
//
// Start the handler under test (for example on an httptest.Server), load
// the function app, and invoke functions by name:
//
//	app, _ := funcapp.LoadApp("testdata/app")
//	srv := httptest.NewServer(handler)
//	host := hostemu.New(app, srv.URL)
//	if err := host.WaitReady(ctx); err != nil { ... } // polls GET / like the host
//
//	resp, err := host.InvokeQueue(ctx, "CounterFromQueue", `{"key":"a","amount":1}`, 1)
//	replies, err := host.InvokeEventHub(ctx, "CounterFromEventHub", [][]byte{ev1, ev2})
//	resp, err = host.InvokeTimer(ctx, "NightlyCleanup")
//	res, err := host.InvokeHTTP(ctx, "HttpStart",
//		httptest.NewRequest("POST", "/api/orchestrators/HelloSequence", body))
//
// Errors tell what the real host would do: a non-2xx reply is a
// *StatusError (the invocation fails); a reply the host would reject or
// silently misread (wrong Content-Type, an Outputs entry that names no
// binding, an unreadable http output) is a *CheckError returned together
// with the decoded reply.
//
// A Host is also an http.Handler that routes /api/... requests to
// HTTP-triggered functions like the host's router, so real clients can
// talk to the handler through it:
//
//	front := httptest.NewServer(host)
//	http.Post(front.URL+"/api/orchestrators/HelloSequence", "application/json", body)
//
// Set Now and NewID to make the bytes it sends deterministic. Values the
// host gets from Azure services (message ids, pop receipts, sequence
// numbers, the durable client payload) are plausible stand-ins, not real.
package hostemu
