package durable

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// EntityOf turns a struct type into an entity, the Go counterpart of
// class-based entities: each exported method of *T is an operation, matched
// by name case-insensitively, and the state is T encoded as JSON.
//
// A method may take, in order, an optional context (context.Context or
// *EntityContext) and an optional input, and may return nothing, an error, a
// result, or a result and an error:
//
//	type Counter struct{ Value int }
//	func (c *Counter) Add(amount int)  { c.Value += amount }
//	func (c *Counter) Reset()          { c.Value = 0 }
//	func (c *Counter) Get() int        { return c.Value }
//
//	reg.AddEntity("Counter", durable.EntityOf[Counter]())
//
// An operation named "delete" with no matching method deletes the entity. A
// method that returns an error leaves the state as it was.
func EntityOf[T any]() EntityFunc {
	t := reflect.TypeFor[T]()
	ops, err := entityMethods(t)
	return func(ctx *EntityContext) error {
		if err != nil {
			return err
		}
		m, ok := ops[strings.ToLower(ctx.OperationName())]
		if !ok {
			if strings.EqualFold(ctx.OperationName(), "delete") {
				ctx.DeleteState()
				return nil
			}
			return fmt.Errorf("entity %s has no operation '%s'", ctx.ID().Name, ctx.OperationName())
		}
		state := reflect.New(t)
		if err := ctx.GetState(state.Interface()); err != nil {
			return err
		}
		result, err := m.call(ctx, state)
		if err != nil {
			return err
		}
		if err := ctx.SetState(state.Interface()); err != nil {
			return err
		}
		if result.IsValid() {
			return ctx.Return(result.Interface())
		}
		return nil
	}
}

type entityMethod struct {
	fn       reflect.Value
	ctxKind  int // 0 none, 1 context.Context, 2 *EntityContext
	input    reflect.Type
	result   bool
	hasError bool
}

var (
	typeOfError     = reflect.TypeFor[error]()
	typeOfContext   = reflect.TypeFor[context.Context]()
	typeOfEntityCtx = reflect.TypeFor[*EntityContext]()
	methodCache     sync.Map // reflect.Type → map[string]*entityMethod
)

func entityMethods(t reflect.Type) (map[string]*entityMethod, error) {
	if v, ok := methodCache.Load(t); ok {
		return v.(map[string]*entityMethod), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("durable: EntityOf needs a struct type, got %v", t)
	}
	pt := reflect.PointerTo(t)
	ops := make(map[string]*entityMethod)
	for i := 0; i < pt.NumMethod(); i++ {
		m := pt.Method(i)
		em, err := newEntityMethod(m)
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(m.Name)
		if _, dup := ops[key]; dup {
			return nil, fmt.Errorf("durable: entity %v has two methods named %q (names are case-insensitive)", t, m.Name)
		}
		ops[key] = em
	}
	methodCache.Store(t, ops)
	return ops, nil
}

func newEntityMethod(m reflect.Method) (*entityMethod, error) {
	ft := m.Type // receiver is argument 0
	em := &entityMethod{fn: m.Func}
	in := 1
	if in < ft.NumIn() {
		switch ft.In(in) {
		case typeOfContext:
			em.ctxKind, in = 1, in+1
		case typeOfEntityCtx:
			em.ctxKind, in = 2, in+1
		}
	}
	if in < ft.NumIn() {
		em.input, in = ft.In(in), in+1
	}
	if in != ft.NumIn() {
		return nil, fmt.Errorf("durable: entity operation %s takes too many parameters: want (ctx?, input?)", m.Name)
	}
	switch ft.NumOut() {
	case 0:
	case 1:
		if ft.Out(0) == typeOfError {
			em.hasError = true
		} else {
			em.result = true
		}
	case 2:
		if ft.Out(1) != typeOfError {
			return nil, fmt.Errorf("durable: entity operation %s: the second result must be an error", m.Name)
		}
		em.result, em.hasError = true, true
	default:
		return nil, fmt.Errorf("durable: entity operation %s returns too many values: want (result?, error?)", m.Name)
	}
	return em, nil
}

func (m *entityMethod) call(ctx *EntityContext, state reflect.Value) (reflect.Value, error) {
	args := []reflect.Value{state}
	switch m.ctxKind {
	case 1:
		args = append(args, reflect.ValueOf(context.Context(ctx)))
	case 2:
		args = append(args, reflect.ValueOf(ctx))
	}
	if m.input != nil {
		in := reflect.New(m.input)
		if ctx.input != "" {
			if err := json.Unmarshal([]byte(ctx.input), in.Interface()); err != nil {
				return reflect.Value{}, &InputError{Function: ctx.id.Name + "." + ctx.operation, Err: err}
			}
		}
		args = append(args, in.Elem())
	}
	out := m.fn.Call(args)
	var result reflect.Value
	if m.result {
		result = out[0]
	}
	if m.hasError {
		if e := out[len(out)-1]; !e.IsNil() {
			return reflect.Value{}, e.Interface().(error)
		}
	}
	return result, nil
}
