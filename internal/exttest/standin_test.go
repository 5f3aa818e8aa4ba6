package exttest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/internal/extension"
	"github.com/godurable/durablefunctions/internal/funcapp"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/store/sidecar"
	"github.com/godurable/durablefunctions/samples/app"
)

const samplesDir = "../../samples"

type standIn struct {
	sidecar *Sidecar
	worker  *Worker
	client  *durable.Client
	host    *Host
}

// startStandIn starts durabletask-go with the stand-in's extension parts,
// the sample app's durable functions behind an in-process custom handler,
// and returns a durable client over the stand-in's gRPC endpoint: the
// client a durableClient binding gives in extension mode.
func startStandIn(t *testing.T, workerURL string) *standIn {
	t.Helper()
	ctx := context.Background()
	sc, err := StartSidecar(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := app.New().Registry()
	st, err := sidecar.Dial("http://"+sc.ClientAddr, sidecar.Options{TaskHub: "SamplesHub"})
	if err != nil {
		t.Fatal(err)
	}
	client := durable.NewClient(store.NewHandle(st), reg)
	if workerURL == "" {
		fa, err := funcapp.LoadApp(samplesDir)
		if err != nil {
			t.Fatal(err)
		}
		x := extension.NewExecutor(reg, extension.Options{Client: client})
		srv := httptest.NewServer(WorkerHandler(fa, x))
		t.Cleanup(srv.Close)
		workerURL = srv.URL
	}
	host, err := NewHost(samplesDir, workerURL)
	if err != nil {
		t.Fatal(err)
	}
	s := &standIn{sidecar: sc, worker: StartWorker(sc, host), client: client, host: host}
	t.Cleanup(func() {
		s.worker.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sc.Close(ctx)
		_ = st.Close()
	})
	return s
}

// run starts an orchestration as HttpStart does and waits for it.
func (s *standIn) run(t *testing.T, name string, input any) *durable.Status {
	t.Helper()
	id, err := s.client.StartNew(context.Background(), name, input)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	return s.wait(t, id)
}

func (s *standIn) wait(t *testing.T, id string) *durable.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := s.client.WaitForCompletion(ctx, id)
	if err != nil {
		t.Fatalf("instance %s did not finish: %v", id, err)
	}
	return st
}

func output(t *testing.T, st *durable.Status) string {
	t.Helper()
	if st.RuntimeStatus != durable.StatusCompleted {
		t.Fatalf("instance %s ended %s: %v", st.InstanceID, st.RuntimeStatus, st.Failure)
	}
	var v any
	if err := json.Unmarshal(st.Output, &v); err != nil {
		t.Fatalf("output %s: %v", st.Output, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
