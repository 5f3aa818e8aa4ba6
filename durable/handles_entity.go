package durable

import "context"

// Entity is a handle on an entity function: its name and its Go function,
// bound once, so that registration and [EntityOperation] handles share the
// name.
//
//	var Counter = durable.NewEntity("Counter", durable.EntityOf[CounterState]())
//	var Add = durable.NewEntityOperation[int, struct{}](Counter.Name(), "add")
//
//	reg.Register(Counter)
type Entity struct {
	name string
	fn   EntityFunc
}

// NewEntity binds name to fn.
func NewEntity(name string, fn EntityFunc) Entity { return Entity{name: name, fn: fn} }

// Name returns the entity's name.
func (e Entity) Name() string { return e.name }

// Kind returns "entity".
func (e Entity) Kind() string { return "entity" }

// Func returns the entity function.
func (e Entity) Func() EntityFunc { return e.fn }

// ID returns the id of the entity with key.
func (e Entity) ID(key string) EntityID { return NewEntityID(e.name, key) }

func (e Entity) register(r *Registry) error { return r.AddEntity(e.name, e.fn) }

// EntitySignaler sends one-way entity operations from deterministic code:
// *OrchestrationContext and *EntityContext are EntitySignalers.
type EntitySignaler interface {
	SignalEntity(id EntityID, operation string, input any, opts ...SignalOption) error
}

// EntityOperation is a typed handle on one operation of an entity, the Go
// counterpart of calling an entity through its interface in .NET: the
// entity and operation names are bound once, and the input and result types
// are checked by the compiler at every call site. Use `any` as In for an
// operation without input (pass nil), and struct{} as Out for one without a
// result.
//
//	var Deposit = durable.NewEntityOperation[int, struct{}]("Account", "deposit")
//	var Balance = durable.NewEntityOperation[any, int]("Account", "balance")
//
//	_, err := Deposit.Call(ctx, "alice", 30).Await()
//	balance, err := Balance.Call(ctx, "alice", nil).Await() // an int
//	err = Deposit.Signal(ctx, "bob", 5)
//
// Nothing checks that the entity has the operation: an unknown operation
// fails when it runs, as it does by string.
type EntityOperation[In, Out any] struct {
	entity    string
	operation string
}

// NewEntityOperation returns the handle of operation on the entities named
// entity.
func NewEntityOperation[In, Out any](entity, operation string) EntityOperation[In, Out] {
	return EntityOperation[In, Out]{entity: entity, operation: operation}
}

// EntityName returns the name of the entity the operation belongs to.
func (op EntityOperation[In, Out]) EntityName() string { return op.entity }

// Operation returns the operation's name.
func (op EntityOperation[In, Out]) Operation() string { return op.operation }

// ID returns the id of the entity with key, for LockEntities.
func (op EntityOperation[In, Out]) ID(key string) EntityID { return NewEntityID(op.entity, key) }

// Call runs the operation on the entity with key and returns its pending
// result, like [OrchestrationContext.CallEntity].
func (op EntityOperation[In, Out]) Call(ctx *OrchestrationContext, key string, in In) TaskOf[Out] {
	return TaskOf[Out]{ctx.CallEntity(op.ID(key), op.operation, in)}
}

// Signal sends the operation one-way to the entity with key from an
// orchestration or another entity, like [OrchestrationContext.SignalEntity]
// and [EntityContext.SignalEntity].
func (op EntityOperation[In, Out]) Signal(from EntitySignaler, key string, in In, opts ...SignalOption) error {
	return from.SignalEntity(op.ID(key), op.operation, in, opts...)
}

// SignalFromClient sends the operation one-way to the entity with key from
// outside any orchestration, like [Client.SignalEntity].
func (op EntityOperation[In, Out]) SignalFromClient(ctx context.Context, c *Client, key string, in In, opts ...SignalOption) error {
	return c.SignalEntity(ctx, op.ID(key), op.operation, in, opts...)
}
