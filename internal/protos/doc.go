// Package protos is the Go code generated from the Durable Task protocol
// schema (microsoft/durabletask-protobuf, protos/orchestrator_service.proto,
// MIT licence, copied unmodified with its licence in schema/): the messages
// the Durable Functions extension exchanges with an out-of-process worker
// (OrchestratorRequest, OrchestratorResponse, EntityBatchRequest,
// EntityBatchResult, HistoryEvent, ...) and the TaskHubSidecarService gRPC
// client and server.
//
// Regenerate with generate.sh, which explains the one change made while
// generating: the messages get the proto package godurable.durabletask so
// that they can share a binary with other generated copies of the schema;
// the wire format and the gRPC method paths are the schema's own.
package protos

//go:generate ./generate.sh
