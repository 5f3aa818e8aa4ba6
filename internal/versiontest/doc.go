// Package versiontest runs workers of different orchestration versions on
// one task hub (SQLite, and Azure Storage on Azurite) and checks that each
// match and failure strategy decides who runs what as Durable Functions
// does. It has tests only.
package versiontest
