// Package history is the event-sourced model of an orchestration: the
// Durable Task history event types, their fields and their JSON form.
//
// The types follow the Durable Task Framework's HistoryEvent classes
// (PascalCase JSON names, EventType as an integer), so a history read from one
// of our stores, from a status query with showHistory=true, or from the
// Durable extension's wire protocols decodes into the same Go values.
//
// The package imports nothing but the standard library: the replay core, the
// stores and the HTTP layer all share it.
package history
