// Package mgmtapi implements the Durable Functions HTTP management API: the
// routes the Functions host offers at /runtime/webhooks/durabletask, with
// the paths, parameters, bodies, status codes and JSON field names of the
// Durable Functions extension, so that its documentation, the JavaScript
// and Python DurableClient and existing tooling work unchanged.
//
// The HTTP contract (routes, parameters, paging, error codes) is
// documented for users in package webhooks, a thin facade over [API] for
// programs that mount the API in their own server. This package holds the
// machinery and what only the runtime needs:
//
//   - the route handlers over a *durable.Client, with the query parameter
//     parsing and the error mapping of durable errors to status codes
//     ([ErrorBody]);
//   - the JSON wire types of the replies ([InstanceStatus], [EntityStatus],
//     [EntityIDJSON], [PurgeResult]);
//   - the URLs handed out: [API.CheckStatusPayload] and
//     [API.ManagementPayload] build a [Payload], and [API.ClientBindingData]
//     the durableClient binding value ([ClientBindingData]) that JavaScript
//     and Python clients call the API through.
//
// The handler package mounts one [API] at the runtime path when serving
// standalone and a second one at /api/durabletask for the management API
// function, and builds check-status responses with it:
//
//	api := mgmtapi.New(rt.Client(), mgmtapi.WithBasePath("/api/durabletask"), mgmtapi.WithHubName(hub))
//	api.CreateCheckStatusResponse(w, r, instanceID)
package mgmtapi
