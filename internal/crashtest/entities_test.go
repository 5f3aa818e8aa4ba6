package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

// The entity workload: 100 TransferFunds among 5 accounts (some too poor)
// while 50 sender orchestrations signal one Counter 200 times each, in order.
const (
	accounts    = 5
	transfers   = 100
	senders     = 50
	signalsEach = 200
)

var seedBalances = [accounts]int{100, 50, 0, 200, 10}

type acct struct{ Balance int }

func (a *acct) Deposit(n int) { a.Balance += n }
func (a *acct) Withdraw(n int) error {
	if n > a.Balance {
		return fmt.Errorf("insufficient funds: %d < %d", a.Balance, n)
	}
	a.Balance -= n
	return nil
}
func (a *acct) Balance_() int { return a.Balance }

// orderedCounter counts signals and checks that each sender's sequence
// numbers arrive in order.
type orderedCounter struct {
	Total      int            `json:"total"`
	Last       map[string]int `json:"last"`
	Violations int            `json:"violations"`
}

type seqSignal struct {
	Sender string `json:"sender"`
	Seq    int    `json:"seq"`
}

func (c *orderedCounter) Add(s seqSignal) {
	if c.Last == nil {
		c.Last = map[string]int{}
	}
	if s.Seq != c.Last[s.Sender]+1 {
		c.Violations++
	}
	c.Last[s.Sender] = s.Seq
	c.Total++
}

func accountID(i int) durable.EntityID { return durable.NewEntityID("Acct", fmt.Sprint("a", i)) }

func entityRegistry() *durable.Registry {
	reg := durable.NewRegistry()
	_ = reg.AddEntity("Acct", durable.EntityOf[acct]())
	_ = reg.AddEntity("Ordered", durable.EntityOf[orderedCounter]())
	_ = reg.AddOrchestrator("Seed", func(ctx *durable.OrchestrationContext) (any, error) {
		for i, b := range seedBalances {
			if b > 0 {
				if err := ctx.CallEntity(accountID(i), "Deposit", b).Await(nil); err != nil {
					return nil, err
				}
			}
		}
		return true, nil
	})
	_ = reg.AddOrchestrator("Transfer", func(ctx *durable.OrchestrationContext) (any, error) {
		var in struct{ From, To, Amount int }
		if err := ctx.GetInput(&in); err != nil {
			return nil, err
		}
		from, to := accountID(in.From), accountID(in.To)
		release, err := ctx.LockEntities(from, to)
		if err != nil {
			return nil, err
		}
		defer release()
		var a acct
		if err := ctx.CallEntity(from, "Balance_", nil).Await(&a.Balance); err != nil {
			return nil, err
		}
		if a.Balance < in.Amount {
			return false, nil
		}
		if err := ctx.CallEntity(from, "Withdraw", in.Amount).Await(nil); err != nil {
			return nil, err
		}
		return true, ctx.CallEntity(to, "Deposit", in.Amount).Await(nil)
	})
	_ = reg.AddOrchestrator("Sender", func(ctx *durable.OrchestrationContext) (any, error) {
		name := ctx.InstanceID()
		for i := 1; i <= signalsEach; i++ {
			if err := ctx.SignalEntity(durable.NewEntityID("Ordered", "c"), "Add", seqSignal{Sender: name, Seq: i}); err != nil {
				return nil, err
			}
		}
		return signalsEach, nil
	})
	return reg
}

func entityWorkloadIDs() []string {
	ids := []string{"seed"}
	for i := 0; i < transfers; i++ {
		ids = append(ids, fmt.Sprint("transfer-", i))
	}
	for i := 0; i < senders; i++ {
		ids = append(ids, fmt.Sprint("sender-", i))
	}
	return ids
}

func startEntityWorkload(ctx context.Context, c *durable.Client) error {
	if err := startOnce(ctx, c, "Seed", "seed", nil); err != nil {
		return err
	}
	for i := 0; i < transfers; i++ {
		from, to := i%accounts, (i*3+1)%accounts
		if from == to {
			to = (to + 1) % accounts
		}
		in := map[string]int{"From": from, "To": to, "Amount": 5 + (i*37)%60}
		if err := startOnce(ctx, c, "Transfer", fmt.Sprint("transfer-", i), in); err != nil {
			return err
		}
	}
	for i := 0; i < senders; i++ {
		if err := startOnce(ctx, c, "Sender", fmt.Sprint("sender-", i), nil); err != nil {
			return err
		}
	}
	return nil
}

// verifyEntities checks the invariants once every orchestration finished:
// money conserved, no negative balance, no lock held, every signal counted
// once and in order per sender.
func verifyEntities(t *testing.T, c *durable.Client) {
	ctx := context.Background()
	for _, id := range entityWorkloadIDs() {
		st, err := c.GetStatus(ctx, id)
		if err != nil || st.RuntimeStatus != durable.StatusCompleted {
			t.Fatalf("%s: %+v %v", id, st, err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		total, locked, negative := 0, 0, 0
		for i := 0; i < accounts; i++ {
			md, err := c.ReadEntityState(ctx, accountID(i))
			if err != nil {
				continue
			}
			var a acct
			_ = json.Unmarshal(md.State, &a)
			total += a.Balance
			if a.Balance < 0 {
				negative++
			}
			if md.LockedBy != "" {
				locked++
			}
		}
		var oc orderedCounter
		md, err := c.ReadEntityState(ctx, durable.NewEntityID("Ordered", "c"))
		if err == nil {
			_ = json.Unmarshal(md.State, &oc)
		}
		want := 0
		for _, b := range seedBalances {
			want += b
		}
		done := total == want && locked == 0 && oc.Total == senders*signalsEach
		if done || time.Now().After(deadline) {
			if negative > 0 || total != want || locked != 0 {
				t.Errorf("accounts: total %d (want %d), %d negative, %d still locked", total, want, negative, locked)
			}
			if oc.Total != senders*signalsEach || oc.Violations != 0 || len(oc.Last) != senders {
				t.Errorf("counter: %d signals (want %d), %d out of order, %d senders", oc.Total, senders*signalsEach, oc.Violations, len(oc.Last))
			}
			for s, last := range oc.Last {
				if last != signalsEach {
					t.Errorf("sender %s: last sequence %d, want %d", s, last, signalsEach)
				}
			}
			return
		}
		time.Sleep(20 * time.Millisecond) // releases and signals still in flight
	}
}

func TestEntityInvariantsHoldUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "entities.db"))
	if err != nil {
		t.Fatal(err)
	}
	rt := durable.NewRuntime(entityRegistry(), store)
	rt.Start()
	defer rt.Close(context.Background())
	c := rt.Client()
	if err := startEntityWorkload(ctx, c); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, id := range entityWorkloadIDs() {
		if _, err := c.WaitForCompletion(wctx, id); err != nil {
			t.Fatal(err)
		}
	}
	verifyEntities(t, c)
}

func TestEntityInvariantsHoldAcrossSIGKILL(t *testing.T) {
	crashLoop(t, "entities", 10, 60)
}
