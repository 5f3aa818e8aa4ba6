package exttest

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	pb "github.com/godurable/durablefunctions/internal/protos"
)

// Worker connects to durabletask-go as its gRPC worker (GetWorkItems) and
// runs each work item on the Go worker through Host, as the Functions
// host and its Durable extension would, then completes it with the
// decoded reply. Entity messages among an episode's actions also go to
// the entity scheduler, the part of the extension durabletask-go lacks.
type Worker struct {
	sidecar *Sidecar
	host    *Host
	wg      sync.WaitGroup
	cancel  context.CancelFunc
	// Invocations counts invocations of the worker, by kind.
	mu          sync.Mutex
	Invocations map[string]int
}

// StartWorker begins taking work items.
func StartWorker(s *Sidecar, h *Host) *Worker {
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{sidecar: s, host: h, cancel: cancel, Invocations: map[string]int{}}
	s.Entities.host = h
	if h.emu.RPCBaseURL == "" {
		// durableClient bindings of the functions it invokes point at
		// this sidecar, as the extension's point at its own endpoint.
		h.emu.RPCBaseURL = "http://" + s.ClientAddr
	}
	w.wg.Add(1)
	go w.loop(ctx)
	return w
}

// Stop stops taking work items.
func (w *Worker) Stop() {
	w.cancel()
	w.wg.Wait()
}

func (w *Worker) count(kind string) {
	w.mu.Lock()
	w.Invocations[kind]++
	w.mu.Unlock()
}

func (w *Worker) loop(ctx context.Context) {
	defer w.wg.Done()
	rpc := w.sidecar.Inner()
	for ctx.Err() == nil {
		stream, err := rpc.GetWorkItems(ctx, &pb.GetWorkItemsRequest{})
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		for {
			item, err := stream.Recv()
			if err != nil {
				break
			}
			w.wg.Add(1)
			go func() {
				defer w.wg.Done()
				w.handle(ctx, rpc, item)
			}()
		}
	}
}

func (w *Worker) handle(ctx context.Context, rpc pb.TaskHubSidecarServiceClient, item *pb.WorkItem) {
	switch {
	case item.GetOrchestratorRequest() != nil:
		req := item.GetOrchestratorRequest()
		resp := retry(ctx, func() (*pb.OrchestratorResponse, error) {
			w.count("orchestration")
			return w.host.Orchestrate(ctx, req, orchestratorName(req))
		})
		if resp == nil {
			return
		}
		if _, err := rpc.CompleteOrchestratorTask(ctx, resp); err != nil {
			return
		}
		for _, a := range resp.GetActions() {
			if se := a.GetSendEvent(); se != nil && strings.HasPrefix(se.GetInstance().GetInstanceId(), "@") {
				w.sidecar.Entities.Deliver(se.GetInstance().GetInstanceId(), se.GetName(), se.GetData().GetValue())
			}
		}
	case item.GetActivityRequest() != nil:
		resp := retry(ctx, func() (*pb.ActivityResponse, error) {
			w.count("activity")
			return w.host.Activity(ctx, item.GetActivityRequest())
		})
		if resp != nil {
			_, _ = rpc.CompleteActivityTask(ctx, resp)
		}
	}
}

// retry calls fn until the worker answers (it may be restarting) or ctx
// ends.
func retry[T any](ctx context.Context, fn func() (T, error)) T {
	var zero T
	for {
		v, err := fn()
		if err == nil {
			return v
		}
		select {
		case <-ctx.Done():
			return zero
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func orchestratorName(req *pb.OrchestratorRequest) string {
	for _, list := range [][]*pb.HistoryEvent{req.GetPastEvents(), req.GetNewEvents()} {
		for _, e := range list {
			if s := e.GetExecutionStarted(); s != nil {
				return s.GetName()
			}
		}
	}
	return ""
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
