// Package functemplates holds the function.json templates of every function
// kind a Go Durable Functions app declares, and renders them for the
// durablefunc generator (go run ./cmd/durablefunc new --kind K --name N).
//
// Two templates are special: management-api declares the HTTP function that
// exposes the Durable Functions management API behind the Functions host
// (the host reserves /runtime/..., so it lives at /api/durabletask/...), and
// wake declares a timer that starts the app on consumption plans so the
// engine can run pending durable work (see docs/azure.md).
package functemplates
