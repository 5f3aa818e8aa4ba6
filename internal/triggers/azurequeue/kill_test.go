package azurequeue

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/bindings"
	"github.com/godurable/durablefunctions/internal/store"
	"github.com/godurable/durablefunctions/internal/virtualclock"
)

type virtualClock = virtualclock.Clock

func newVirtualClock() *virtualclock.Clock { return virtualclock.New(t0) }

// The child process polls a queue whose function records each message
// and then hangs, so the parent can SIGKILL it mid-batch.
const (
	childEnv      = "TRIGGERS_TEST_CHILD"
	childConnEnv  = "TRIGGERS_TEST_CONN"
	childQueueEnv = "TRIGGERS_TEST_QUEUE"
	childFileEnv  = "TRIGGERS_TEST_FILE"
)

func runChild() int {
	svc, err := azqueue.NewServiceClientFromConnectionString(os.Getenv(childConnEnv), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	name := os.Getenv(childQueueEnv)
	var mu sync.Mutex
	opts := DefaultQueueOptions()
	opts.BatchSize, opts.NewBatchThreshold, opts.Lease = 4, 0, 2*time.Second
	q := &Queue{Name: "Child", Client: svc.NewQueueClient(name), Poison: svc.NewQueueClient(PoisonQueueName(name)),
		Options: opts, Clock: store.SystemClock{}, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Invoke: func(ctx context.Context, m *bindings.QueueMessage) error {
			mu.Lock()
			f, err := os.OpenFile(os.Getenv(childFileEnv), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				fmt.Fprintln(f, m.Text)
				f.Close()
			}
			mu.Unlock()
			<-ctx.Done() // a long function: the process dies first
			return ctx.Err()
		}}
	q.Run(context.Background(), context.Background())
	return 0
}

func TestAProcessKilledMidBatchLosesNoMessage(t *testing.T) {
	q := newTestQueue(t, nil)
	var want []string
	for i := range 8 {
		want = append(want, fmt.Sprintf("message %d", i))
	}
	q.put(true, want...)
	started := filepath.Join(t.TempDir(), "started")
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"=1", childConnEnv+"="+sharedAzurite(t).ConnectionString(),
		childQueueEnv+"="+q.name, childFileEnv+"="+started)
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	lines := func() []string {
		b, _ := os.ReadFile(started)
		return strings.Fields(strings.ReplaceAll(string(b), "message ", "message_"))
	}
	eventually(t, "the child is in the middle of a batch", func() bool { return len(lines()) >= 4 })
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	inFlight := len(lines())

	var got received
	q.run(fastOptions(), store.SystemClock{}, func(_ context.Context, m *bindings.QueueMessage) error { got.add(m); return nil })
	eventually(t, "every message is handled and the queue is empty", func() bool {
		return len(got.list()) >= len(want) && count(t, q.client) == 0
	})
	var texts []string
	redelivered := 0
	for _, m := range got.list() {
		texts = append(texts, m.Text)
		if m.DequeueCount > 1 {
			redelivered++
		}
	}
	sort.Strings(texts)
	if strings.Join(texts, ",") != strings.Join(want, ",") {
		t.Errorf("after the kill the function saw %q, want each of %q once", texts, want)
	}
	if redelivered != inFlight {
		t.Errorf("%d messages came back with a higher dequeue count, want the %d the killed process held", redelivered, inFlight)
	}
	if t.Failed() {
		t.Logf("child output:\n%s", out.String())
	}
}
