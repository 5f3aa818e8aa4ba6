package exttest

import (
	"context"
	"fmt"
	"net"
	"path/filepath"

	"github.com/microsoft/durabletask-go/backend"
	"github.com/microsoft/durabletask-go/backend/sqlite"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/godurable/durablefunctions/internal/protos"
)

// Sidecar is durabletask-go's task hub (its SQLite backend, its
// orchestration and activity dispatchers, and its gRPC executor) plus the
// front service that gives the worker's durable client the RPCs the
// Functions extension serves and durabletask-go lacks.
type Sidecar struct {
	// WorkerAddr is durabletask-go's own gRPC endpoint: work items.
	WorkerAddr string
	// ClientAddr is the front endpoint, the stand-in's rpcBaseUrl.
	ClientAddr string
	// DBPath is the SQLite file.
	DBPath string

	hub      backend.TaskHubWorker
	inner    *grpc.Server
	front    *grpc.Server
	conn     *grpc.ClientConn
	Entities *EntityScheduler
	frontSvc *frontService
}

// StartSidecar starts the task hub with its database in dir.
func StartSidecar(ctx context.Context, dir string) (*Sidecar, error) {
	s := &Sidecar{DBPath: filepath.Join(dir, "taskhub.db")}
	log := quietLogger{}
	be := sqlite.NewSqliteBackend(sqlite.NewSqliteOptions(s.DBPath), log)
	exec, register := backend.NewGrpcExecutor(be, log)
	s.inner = grpc.NewServer(grpc.MaxRecvMsgSize(64<<20), grpc.MaxSendMsgSize(64<<20))
	register(s.inner)
	s.hub = backend.NewTaskHubWorker(be, backend.NewOrchestrationWorker(be, exec, log), backend.NewActivityTaskWorker(be, exec, log), log)
	if err := s.hub.Start(ctx); err != nil {
		return nil, fmt.Errorf("start durabletask-go: %w", err)
	}
	innerLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.WorkerAddr = innerLn.Addr().String()
	go func() { _ = s.inner.Serve(innerLn) }()

	s.conn, err = grpc.NewClient(s.WorkerAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		return nil, err
	}
	inner := pb.NewTaskHubSidecarServiceClient(s.conn)
	s.Entities = newEntityScheduler(inner)
	s.frontSvc = &frontService{inner: inner, db: s.DBPath, entities: s.Entities}
	s.front = grpc.NewServer()
	pb.RegisterTaskHubSidecarServiceServer(s.front, s.frontSvc)
	frontLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ClientAddr = frontLn.Addr().String()
	go func() { _ = s.front.Serve(frontLn) }()
	return s, nil
}

// Inner returns a client of durabletask-go's own endpoint.
func (s *Sidecar) Inner() pb.TaskHubSidecarServiceClient {
	return pb.NewTaskHubSidecarServiceClient(s.conn)
}

// Close stops everything.
func (s *Sidecar) Close(ctx context.Context) {
	s.Entities.stop()
	s.front.Stop()
	_ = s.hub.Shutdown(ctx)
	s.inner.Stop()
	_ = s.conn.Close()
	s.frontSvc.close()
}

type quietLogger struct{}

func (quietLogger) Debug(...any)          {}
func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Info(...any)           {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warn(...any)           {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Error(...any)          {}
func (quietLogger) Errorf(string, ...any) {}
