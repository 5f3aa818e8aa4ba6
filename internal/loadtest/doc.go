// Package loadtest holds load tests of the engine on the embedded store:
// many orchestrations waiting on external events at once. The full size
// (10,000 instances) runs with DURABLE_SOAK=1; CI runs a smaller one.
package loadtest
