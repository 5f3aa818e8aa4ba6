//go:build !durable_failpoints

package sqlite

// failPoint marks a place where the crash tests kill the process (see
// failpoint_on.go). Without the durable_failpoints build tag it does
// nothing and compiles away.
func failPoint(string) {}
