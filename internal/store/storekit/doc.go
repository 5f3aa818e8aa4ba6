// Package storekit holds the rules every store applies the same way, so
// that the memory and sqlite stores (and any later one) agree on them:
// validation of requests, the instance row written by CreateInstance, the
// dedupe rule, query and purge filters, continuation tokens and the order
// in which an instance's messages are delivered.
//
// It has no state and does no I/O.
package storekit
