package e2etest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

type account struct{ Balance int }

func (a *account) Deposit(amount int) { a.Balance += amount }
func (a *account) Withdraw(amount int) error {
	if amount > a.Balance {
		return fmt.Errorf("insufficient funds: balance %d, requested %d", a.Balance, amount)
	}
	a.Balance -= amount
	return nil
}
func (a *account) Get() int { return a.Balance }

func counter(ctx *durable.EntityContext) error {
	n := 0
	if err := ctx.GetState(&n); err != nil {
		return err
	}
	switch strings.ToLower(ctx.OperationName()) {
	case "add":
		var amount int
		if err := ctx.GetInput(&amount); err != nil {
			return err
		}
		return ctx.SetState(n + amount)
	case "reset":
		return ctx.SetState(0)
	case "get":
		return ctx.Return(n)
	}
	return fmt.Errorf("unknown operation %q", ctx.OperationName())
}

type transfer struct {
	From, To string
	Amount   int
}

func transferFunds(ctx *durable.OrchestrationContext) (any, error) {
	var in transfer
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	from, to := durable.NewEntityID("Account", in.From), durable.NewEntityID("Account", in.To)
	release, err := ctx.LockEntities(from, to)
	if err != nil {
		return nil, err
	}
	defer release()
	var balance int
	if err := ctx.CallEntity(from, "Get", nil).Await(&balance); err != nil {
		return nil, err
	}
	if balance < in.Amount {
		return false, nil
	}
	if err := ctx.CallEntity(from, "Withdraw", in.Amount).Await(nil); err != nil {
		return nil, err
	}
	if err := ctx.CallEntity(to, "Deposit", in.Amount).Await(nil); err != nil {
		return nil, err
	}
	return true, nil
}

func entityRegistry(t *testing.T) *durable.Registry {
	reg := durable.NewRegistry()
	must(t, reg.AddEntity("Counter", counter))
	must(t, reg.AddEntity("Account", durable.EntityOf[account]()))
	must(t, reg.AddOrchestrator("TransferFunds", transferFunds))
	return reg
}

func readState(t *testing.T, c *durable.Client, id durable.EntityID, wantJSON string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		md, err := c.ReadEntityState(context.Background(), id)
		if err == nil && string(md.State) == wantJSON {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entity %s: want state %s, last got %+v %v", id, wantJSON, md, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitUnlocked waits for the releases an orchestration sent when it ended:
// they reach the entity after the orchestration completes.
func waitUnlocked(t *testing.T, c *durable.Client, id durable.EntityID) *durable.EntityMetadata {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		md, err := c.ReadEntityState(context.Background(), id)
		if err == nil && md.LockedBy == "" {
			return md
		}
		if time.Now().After(deadline) {
			t.Fatalf("entity %s is still locked: %+v %v", id, md, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func testSignalsToAnEntityAreAppliedOneAtATime(t *testing.T, s *suite) {
	c := s.client(t, entityRegistry(t))
	ctx := context.Background()
	id := durable.NewEntityID("Counter", "hits")
	if _, err := c.ReadEntityState(ctx, id); !errors.Is(err, durable.ErrEntityNotFound) {
		t.Fatalf("before first signal: %v", err)
	}
	var wg sync.WaitGroup
	for s := 0; s < 10; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := c.SignalEntity(ctx, id, "add", 1); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	readState(t, c, id, "500")
}

func testOrchestrationCallsAnEntityAndGetsItsResult(t *testing.T, s *suite) {
	reg := entityRegistry(t)
	must(t, reg.AddOrchestrator("UsesCounter", func(ctx *durable.OrchestrationContext) (any, error) {
		id := durable.NewEntityID("counter", "o1")
		if err := ctx.CallEntity(id, "add", 5).Await(nil); err != nil {
			return nil, err
		}
		if err := ctx.SignalEntity(id, "add", 2); err != nil {
			return nil, err
		}
		var n int
		err := ctx.CallEntity(id, "Get", nil).Await(&n)
		return n, err
	}))
	c := s.client(t, reg)
	id, _ := c.StartNew(context.Background(), "UsesCounter", nil)
	if st := waitDone(t, c, id); string(st.Output) != "7" {
		t.Fatalf("got %v %s %v", st.RuntimeStatus, st.Output, st.Failure)
	}
}

func testFailedOperationRollsBackAndReachesTheCaller(t *testing.T, s *suite) {
	reg := entityRegistry(t)
	must(t, reg.AddOrchestrator("Overdraw", func(ctx *durable.OrchestrationContext) (any, error) {
		id := durable.NewEntityID("Account", "poor")
		if err := ctx.CallEntity(id, "Deposit", 10).Await(nil); err != nil {
			return nil, err
		}
		err := ctx.CallEntity(id, "Withdraw", 50).Await(nil)
		var failed *durable.TaskFailedError
		if !errors.As(err, &failed) {
			return nil, fmt.Errorf("want a TaskFailedError, got %v", err)
		}
		var bal int
		if err := ctx.CallEntity(id, "get", nil).Await(&bal); err != nil {
			return nil, err
		}
		return map[string]any{"balance": bal, "error": failed.Message}, nil
	}))
	c := s.client(t, reg)
	id, _ := c.StartNew(context.Background(), "Overdraw", nil)
	st := waitDone(t, c, id)
	if string(st.Output) != `{"balance":10,"error":"insufficient funds: balance 10, requested 50"}` {
		t.Fatalf("got %v %s %v", st.RuntimeStatus, st.Output, st.Failure)
	}
}

func testTransfersUnderLocksConserveMoney(t *testing.T, s *suite) {
	c := s.client(t, entityRegistry(t))
	ctx := context.Background()
	keys := []string{"a", "b", "c"}
	for _, k := range keys {
		must(t, c.SignalEntity(ctx, durable.NewEntityID("Account", k), "Deposit", 100))
	}
	for _, k := range keys {
		readState(t, c, durable.NewEntityID("Account", k), `{"Balance":100}`)
	}
	var ids []string
	for i := 0; i < 30; i++ {
		in := transfer{From: keys[i%3], To: keys[(i+1)%3], Amount: 10 + i*7}
		id, err := c.StartNew(ctx, "TransferFunds", in)
		must(t, err)
		ids = append(ids, id)
	}
	for _, id := range ids {
		if st := waitDone(t, c, id); st.RuntimeStatus != durable.StatusCompleted {
			t.Fatalf("transfer %s: %v %v", id, st.RuntimeStatus, st.Failure)
		}
	}
	total := 0
	for _, k := range keys {
		md := waitUnlocked(t, c, durable.NewEntityID("Account", k))
		var a account
		must(t, json.Unmarshal(md.State, &a))
		if a.Balance < 0 {
			t.Fatalf("account %s is negative: %d", k, a.Balance)
		}
		total += a.Balance
	}
	if total != 300 {
		t.Fatalf("money not conserved: total %d", total)
	}
}

func testLockingRulesAreEnforced(t *testing.T, s *suite) {
	reg := entityRegistry(t)
	must(t, reg.AddOrchestrator("Breaks", func(ctx *durable.OrchestrationContext) (any, error) {
		a, b := durable.NewEntityID("Counter", "x"), durable.NewEntityID("Counter", "y")
		release, err := ctx.LockEntities(a)
		if err != nil {
			return nil, err
		}
		defer release()
		var v *durable.LockingRulesViolationError
		var found []string
		if _, err := ctx.LockEntities(b); errors.As(err, &v) {
			found = append(found, "nested")
		}
		if err := ctx.CallEntity(b, "get", nil).Await(nil); errors.As(err, &v) {
			found = append(found, "unlocked call")
		}
		if err := ctx.SignalEntity(a, "add", 1); errors.As(err, &v) {
			found = append(found, "signal locked")
		}
		if err := ctx.CallSubOrchestrator("TransferFunds", nil).Await(nil); errors.As(err, &v) {
			found = append(found, "sub-orchestration")
		}
		t1 := ctx.CallEntity(a, "add", 1)
		if err := ctx.CallEntity(a, "add", 1).Await(nil); errors.As(err, &v) {
			found = append(found, "parallel call")
		}
		return found, t1.Await(nil)
	}))
	c := s.client(t, reg)
	id, _ := c.StartNew(context.Background(), "Breaks", nil)
	st := waitDone(t, c, id)
	if string(st.Output) != `["nested","unlocked call","signal locked","sub-orchestration","parallel call"]` {
		t.Fatalf("got %v %s %v", st.RuntimeStatus, st.Output, st.Failure)
	}
	md := waitUnlocked(t, c, durable.NewEntityID("Counter", "x"))
	if string(md.State) != "1" {
		t.Fatalf("counter x after the section: %+v", md)
	}
}

func testLockIsReleasedWhenTheHolderIsTerminated(t *testing.T, s *suite) {
	reg := entityRegistry(t)
	must(t, reg.AddOrchestrator("HoldsForever", func(ctx *durable.OrchestrationContext) (any, error) {
		if _, err := ctx.LockEntities(durable.NewEntityID("Counter", "held")); err != nil {
			return nil, err
		}
		return nil, ctx.WaitForExternalEvent("never").Await(nil)
	}))
	c := s.client(t, reg)
	ctx := context.Background()
	id, _ := c.StartNew(ctx, "HoldsForever", nil)
	eid := durable.NewEntityID("Counter", "held")
	deadline := time.Now().Add(10 * time.Second)
	for locked := false; !locked; {
		page, err := c.ListEntities(ctx, durable.EntityQuery{Name: "Counter", KeyPrefix: "held", IncludeDeleted: true})
		must(t, err)
		locked = len(page.Entities) == 1 && page.Entities[0].LockedBy == id
		if time.Now().After(deadline) {
			t.Fatalf("the orchestration never got the lock: %+v", page.Entities)
		}
		time.Sleep(time.Millisecond)
	}
	must(t, c.SignalEntity(ctx, eid, "add", 3))
	time.Sleep(20 * time.Millisecond)
	if _, err := c.ReadEntityState(ctx, eid); !errors.Is(err, durable.ErrEntityNotFound) {
		t.Fatalf("the signal ran while the entity was locked: %v", err)
	}
	must(t, c.Terminate(ctx, id, "stop"))
	readState(t, c, eid, "3")
}
