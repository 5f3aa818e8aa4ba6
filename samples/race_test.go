//go:build race

package main_test

// raceBuild makes the e2e tests build the sample binary with the race
// detector when they themselves run with it.
func init() { raceBuild = true }
