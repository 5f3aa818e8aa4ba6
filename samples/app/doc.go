// Package app is the sample function app: one Go function for every pattern
// of the Durable Functions documentation. The function.json folders beside
// it (samples/<Name>/function.json) declare the same names to the Functions
// host; main.go serves them.
package app
