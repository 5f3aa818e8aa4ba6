package exttest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/godurable/durablefunctions/durable"
	pb "github.com/godurable/durablefunctions/internal/protos"
)

// workerProcess runs the test worker binary as the host would run a
// custom handler: in the app directory, on FUNCTIONS_CUSTOMHANDLER_PORT.
type workerProcess struct {
	bin, port, rpc string
	cmd            *exec.Cmd
}

func buildWorker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "testworker")
	out, err := exec.Command("go", "build", "-o", bin, "./testworker").CombinedOutput()
	if err != nil {
		t.Fatalf("build the test worker: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func (w *workerProcess) start(t *testing.T) {
	t.Helper()
	w.cmd = exec.Command(w.bin)
	w.cmd.Dir = samplesDir
	w.cmd.Env = append(os.Environ(), "FUNCTIONS_CUSTOMHANDLER_PORT="+w.port, "DURABLE_TEST_RPC="+w.rpc)
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

func (w *workerProcess) kill() {
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	_ = w.cmd.Wait()
}

// The Go worker is killed with SIGKILL five times while a mixed load runs;
// the stand-in (the host and extension's part) stays up. Every instance
// finishes with the right output, none finishes twice, and every entity
// operation counts once.
func TestEveryInstanceFinishesOnceWhenTheWorkerIsKilledFiveTimes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a worker process")
	}
	bin := buildWorker(t)
	port := freePort(t)
	ctx := context.Background()
	s := startStandIn(t, "http://127.0.0.1:"+port)
	w := &workerProcess{bin: bin, port: port, rpc: s.sidecar.ClientAddr}
	w.start(t)
	defer func() { w.kill() }()

	want := map[string]string{}
	start := func(name string, input any, out string) {
		id, err := s.client.StartNew(ctx, name, input)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = out
	}
	for i := range 6 {
		start("HelloSequence", nil, `["Hello Tokyo!","Hello Seattle!","Hello London!"]`)
		start("FanOutFanIn", 12, `650`)
		start("ContinueAsNewCounter", map[string]int{"target": 4}, `4`)
		_ = i
	}
	counter := durable.NewEntityID("Counter", "crash")
	for i := 0; i < 30; i++ {
		if err := s.client.SignalEntity(ctx, counter, "add", 1); err != nil {
			t.Fatal(err)
		}
	}
	for k := range 5 {
		time.Sleep(time.Duration(150+100*k) * time.Millisecond)
		w.kill()
		time.Sleep(100 * time.Millisecond)
		w.start(t)
	}
	for id, out := range want {
		if got := output(t, s.wait(t, id)); got != out {
			t.Errorf("instance %s returned %s, want %s", id, got, out)
		}
	}
	waitFor(t, func() bool {
		md, err := s.client.ReadEntityState(ctx, counter)
		return err == nil && string(md.State) == "30"
	})
	checkCompletedOnce(t, s.sidecar.DBPath, want)
}

// checkCompletedOnce reads durabletask-go's history table: each instance's
// current execution has one ExecutionCompleted and no task id twice.
func checkCompletedOnce(t *testing.T, path string, ids map[string]string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT InstanceID, EventPayload FROM History ORDER BY InstanceID, SequenceNumber")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	completed := map[string]int{}
	scheduled := map[string]bool{}
	for rows.Next() {
		var id string
		var payload []byte
		if err := rows.Scan(&id, &payload); err != nil {
			t.Fatal(err)
		}
		e := &pb.HistoryEvent{}
		if err := proto.Unmarshal(payload, e); err != nil {
			t.Fatal(err)
		}
		if e.GetExecutionCompleted() != nil {
			completed[id]++
		}
		if e.GetTaskScheduled() != nil || e.GetSubOrchestrationInstanceCreated() != nil {
			key := fmt.Sprintf("%s/%d", id, e.GetEventId())
			if scheduled[key] {
				t.Errorf("instance %s scheduled task %d twice", id, e.GetEventId())
			}
			scheduled[key] = true
		}
	}
	for id := range ids {
		if completed[id] != 1 {
			t.Errorf("instance %s has %d ExecutionCompleted events, want 1", id, completed[id])
		}
	}
}
