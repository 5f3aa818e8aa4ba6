package azuretest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/godurable/durablefunctions/internal/azurite"
)

// TestAzuriteCapacity measures what this machine's Azurite serves to a
// 16-worker client, per request kind: the ceiling for the engine. Run it
// with DURABLE_SOAK=1 (it takes about 30 s):
//
//	DURABLE_SOAK=1 go test -run TestAzuriteCapacity -v ./internal/azuretest/
func TestAzuriteCapacity(t *testing.T) {
	if os.Getenv("DURABLE_SOAK") == "" {
		t.Skip("set DURABLE_SOAK=1 to measure Azurite's capacity")
	}
	inst := azurite.Shared(t)
	const workers = 16
	const dur = 4 * time.Second
	ctx := context.Background()
	qk, _ := azqueue.NewSharedKeyCredential(azurite.AccountName, azurite.AccountKey)
	qs, err := azqueue.NewServiceClientWithSharedKeyCredential(inst.QueueEndpoint(), qk, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := aztables.NewSharedKeyCredential(azurite.AccountName, azurite.AccountKey)
	ts, err := aztables.NewServiceClientWithSharedKey(inst.TableEndpoint(), tk, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := qs.NewQueueClient("capacity")
	if _, err := q.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	tbl := ts.NewClient("capacity")
	if _, err := tbl.CreateTable(ctx, nil); err != nil {
		t.Fatal(err)
	}
	body := `{"v":1,"id":"0123456789abcdef0123456789abcdef","instanceId":"x","event":{"EventType":4,"Result":"1"}}`
	entity := func(i int64) []byte {
		return []byte(fmt.Sprintf(`{"PartitionKey":"p%d","RowKey":"r","Name":"Chain","RuntimeStatus":"Running","Input":"5","Output":"null"}`, i%200))
	}
	// run measures op with 16 workers for dur, or until op reports
	// errExhausted (the rate is then taken over the time it took).
	run := func(name string, op func(i int64) error) float64 {
		var n, errs atomic.Int64
		start := time.Now()
		deadline := start.Add(dur)
		var lastMu sync.Mutex
		last := start
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					err := op(n.Add(1))
					if errors.Is(err, errExhausted) {
						n.Add(-1)
						return
					}
					if err != nil {
						errs.Add(1)
					}
					lastMu.Lock()
					last = time.Now()
					lastMu.Unlock()
				}
			}()
		}
		wg.Wait()
		took := last.Sub(start)
		rate := float64(n.Load()-errs.Load()) / took.Seconds()
		t.Logf("%-22s %6.0f /s (%d in %v, %d errors)", name, rate, n.Load()-errs.Load(), took.Round(time.Millisecond), errs.Load())
		return rate
	}
	var popMu sync.Mutex
	var pops [][2]string
	rates := map[string]float64{}
	rates["queue.enqueue"] = run("queue.enqueue", func(int64) error {
		_, err := q.EnqueueMessage(ctx, body, nil)
		return err
	})
	rates["queue.dequeue (32)"] = run("queue.dequeue (32)", func(int64) error {
		r, err := q.DequeueMessages(ctx, &azqueue.DequeueMessagesOptions{NumberOfMessages: to32(32), VisibilityTimeout: to32(600)})
		if err == nil {
			popMu.Lock()
			for _, m := range r.Messages {
				pops = append(pops, [2]string{*m.MessageID, *m.PopReceipt})
			}
			popMu.Unlock()
		}
		return err
	})
	var next atomic.Int64
	rates["queue.delete"] = run("queue.delete", func(int64) error {
		i := next.Add(1) - 1
		if int(i) >= len(pops) {
			return errExhausted
		}
		_, err := q.DeleteMessage(ctx, pops[i][0], pops[i][1], nil)
		return err
	})
	// Azurite's delete slows down as the queue gets deeper; the engine's
	// queues stay shallow, so measure it there too: each worker deletes
	// the message it has just enqueued (with the enqueue's pop receipt).
	shallow := qs.NewQueueClient("capacity-shallow")
	if _, err := shallow.Create(ctx, nil); err != nil {
		t.Fatal(err)
	}
	pairs := run("enqueue+delete (shallow)", func(int64) error {
		r, err := shallow.EnqueueMessage(ctx, body, &azqueue.EnqueueMessageOptions{VisibilityTimeout: to32(600)})
		if err != nil {
			return err
		}
		_, err = shallow.DeleteMessage(ctx, *r.Messages[0].MessageID, *r.Messages[0].PopReceipt, nil)
		return err
	})
	rates["queue.delete (shallow)"] = 1 / (1/pairs - 1/rates["queue.enqueue"])
	t.Logf("%-22s %6.0f /s (derived)", "queue.delete (shallow)", rates["queue.delete (shallow)"])
	rates["table.write (upsert)"] = run("table.write (upsert)", func(i int64) error {
		_, err := tbl.UpsertEntity(ctx, entity(i), &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace})
		return err
	})
	rates["table.read (point)"] = run("table.read (point)", func(i int64) error {
		_, err := tbl.GetEntity(ctx, fmt.Sprintf("p%d", i%200), "r", nil)
		return err
	})
	rates["table.batch (2 rows)"] = run("table.batch (2 rows)", func(i int64) error {
		pk := fmt.Sprintf("b%d", i)
		_, err := tbl.SubmitTransaction(ctx, []aztables.TransactionAction{
			{ActionType: aztables.TransactionTypeInsertReplace, Entity: []byte(fmt.Sprintf(`{"PartitionKey":%q,"RowKey":"0000000000000000","EventType":"TaskCompleted"}`, pk))},
			{ActionType: aztables.TransactionTypeInsertReplace, Entity: []byte(fmt.Sprintf(`{"PartitionKey":%q,"RowKey":"sentinel","HistoryLength":1}`, pk))},
		}, nil)
		return err
	})
	var b strings.Builder
	for k, v := range rates {
		fmt.Fprintf(&b, "%s=%.0f ", k, v)
	}
	t.Log(b.String())
}

var errExhausted = errors.New("out of messages")

func to32(n int32) *int32 { return &n }
