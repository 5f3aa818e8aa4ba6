// Package jsclienttest checks that the official JavaScript Durable
// Functions client (npm durable-functions, pinned in tools/jsclient) drives
// the HTTP management API unchanged, on the SQLite and the Redis store.
//
// Its test starts the sample app standalone and runs
// tools/jsclient/client.mjs against /runtime/webhooks/durabletask with each
// form of the durableClient binding value: rpcBaseUrl (no key), the URL
// templates carrying a key (requiredQueryStringParameters), and the value
// the app itself hands out (mgmtapi's ClientBindingData), with and without
// a key. It needs node and `make jsclient`
// (npm ci --prefix tools/jsclient); without them the test skips loudly, or
// fails when CI is set. Redis comes from internal/redisserver.
package jsclienttest
