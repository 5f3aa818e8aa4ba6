// Package sidecar is the client half of the store contract over the
// Durable extension's gRPC TaskHubSidecarService: what a durable.Client
// needs in extension mode, where the Functions host's Durable extension
// owns the task hub and this process only asks it to do things.
//
// A durableClient binding names the endpoint (rpcBaseUrl); dial it and
// hand the store to durable, which then builds an ordinary client:
//
//	st, err := sidecar.Dial(binding.RPCBaseURL, sidecar.Options{TaskHub: binding.TaskHubName})
//	client := durable.NewClient(store.NewHandle(st), reg)
//	id, err := client.StartNew(ctx, "HelloSequence", nil)
//
// Every client operation maps onto one RPC: CreateInstance onto
// StartInstance, SendMessages (by event type) onto RaiseEvent,
// TerminateInstance, SuspendInstance, ResumeInstance, RewindInstance and
// SignalEntity, GetInstance onto GetInstance or GetEntity, ListInstances
// onto QueryInstances or QueryEntities, the purges onto PurgeInstances.
// The worker half of the contract (work items) belongs to the extension:
// those methods fail with ErrWorkerSide.
package sidecar

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/godurable/durablefunctions/internal/history"
	pb "github.com/godurable/durablefunctions/internal/protos"
	"github.com/godurable/durablefunctions/internal/store"
)

// ErrWorkerSide: the method belongs to the worker half of the store
// contract, which the extension runs itself in extension mode.
var ErrWorkerSide = errors.New("not available in extension mode: the Functions host's Durable extension dispatches work itself")

// ErrUnsupported: the extension does not offer the operation over gRPC.
var ErrUnsupported = errors.New("not supported by the Durable extension's gRPC endpoint")

// Options configure Dial.
type Options struct {
	// TaskHub and ConnectionName select the task hub, as the binding's
	// taskHubName and connectionName do (sent as the Durable-TaskHub and
	// Durable-ConnectionName headers the extension reads).
	TaskHub        string
	ConnectionName string
	// MaxMessageBytes bounds messages both ways (0: 64 MiB).
	MaxMessageBytes int
}

// Store is a store.Store over a TaskHubSidecarService connection.
type Store struct {
	conn *grpc.ClientConn
	rpc  pb.TaskHubSidecarServiceClient
	md   metadata.MD
}

// Dial connects to the extension's gRPC endpoint; rpcBaseURL is the
// binding's rpcBaseUrl ("http://localhost:4001") or a bare host:port.
// The connection is made lazily, on the first call.
func Dial(rpcBaseURL string, opts Options) (*Store, error) {
	target, err := Target(rpcBaseURL)
	if err != nil {
		return nil, err
	}
	max := opts.MaxMessageBytes
	if max <= 0 {
		max = 64 << 20
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(max), grpc.MaxCallSendMsgSize(max)))
	if err != nil {
		return nil, fmt.Errorf("sidecar: dial %s: %w", target, err)
	}
	md := metadata.MD{}
	if opts.TaskHub != "" {
		md.Set("Durable-TaskHub", opts.TaskHub)
	}
	if opts.ConnectionName != "" {
		md.Set("Durable-ConnectionName", opts.ConnectionName)
	}
	return &Store{conn: conn, rpc: pb.NewTaskHubSidecarServiceClient(conn), md: md}, nil
}

// Target turns an rpcBaseUrl into a gRPC dial target (host:port).
func Target(rpcBaseURL string) (string, error) {
	s := strings.TrimSpace(rpcBaseURL)
	if s == "" {
		return "", errors.New("sidecar: the durable client binding has no rpcBaseUrl: is FUNCTIONS_WORKER_RUNTIME set to custom, so that the extension uses its gRPC protocol?")
	}
	if !strings.Contains(s, "://") {
		return s, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("sidecar: rpcBaseUrl %q is not a URL with a host", rpcBaseURL)
	}
	host := u.Host
	if u.Port() == "" {
		host += map[bool]string{true: ":443", false: ":80"}[u.Scheme == "https"]
	}
	return host, nil
}

// Conn returns the underlying connection (the history fetcher shares it).
func (s *Store) Conn() *grpc.ClientConn { return s.conn }

func (s *Store) ctx(ctx context.Context) context.Context {
	if len(s.md) == 0 {
		return ctx
	}
	return metadata.NewOutgoingContext(ctx, s.md)
}

// Close closes the connection.
func (s *Store) Close() error { return s.conn.Close() }

// rpcError wraps a gRPC error with what was being done and for whom, and
// maps the codes the contract names onto its sentinel errors.
func rpcError(op, instanceID string, err error) error {
	switch status.Code(err) {
	case codes.OK:
		return nil
	case codes.NotFound:
		return fmt.Errorf("sidecar: %s %q: %w (%v)", op, instanceID, store.ErrNotFound, err)
	case codes.AlreadyExists:
		return fmt.Errorf("sidecar: %s %q: %w (%v)", op, instanceID, store.ErrInstanceExists, err)
	case codes.Unimplemented:
		return fmt.Errorf("sidecar: %s %q: %w (%v)", op, instanceID, ErrUnsupported, err)
	case codes.InvalidArgument:
		return fmt.Errorf("sidecar: %s %q: %w (%v)", op, instanceID, store.ErrInvalidQuery, err)
	}
	return fmt.Errorf("sidecar: %s %q: %w", op, instanceID, err)
}

// The worker half of the contract.

func (s *Store) NextOrchestrationWorkItem(context.Context, store.WorkKind) (*store.OrchestrationWorkItem, error) {
	return nil, ErrWorkerSide
}

func (s *Store) CompleteOrchestrationWorkItem(context.Context, *store.OrchestrationWorkItem, *store.OrchestrationCommit) error {
	return ErrWorkerSide
}

func (s *Store) AbandonOrchestrationWorkItem(context.Context, *store.OrchestrationWorkItem, time.Duration) error {
	return ErrWorkerSide
}

func (s *Store) NextActivityWorkItem(context.Context) (*store.ActivityWorkItem, error) {
	return nil, ErrWorkerSide
}

func (s *Store) CompleteActivityWorkItem(context.Context, *store.ActivityWorkItem, *history.Event) error {
	return ErrWorkerSide
}

func (s *Store) AbandonActivityWorkItem(context.Context, *store.ActivityWorkItem, time.Duration) error {
	return ErrWorkerSide
}

var _ store.Store = (*Store)(nil)
