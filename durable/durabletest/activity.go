package durabletest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// activityEntry is what the Env knows of one activity name: the real
// function, its Go signature when known, and its mock.
type activityEntry struct {
	name string
	real durable.ActivityFunc
	sig  *signature // nil when the function is an untyped ActivityFunc
	mock *Mock
}

// Call is one invocation of an activity, mocked or real.
type Call struct {
	Activity   string
	InstanceID string
	// Input is the JSON input ("null" when there was none).
	Input json.RawMessage
	// Output is the JSON result (nil while running or after a failure).
	Output json.RawMessage
	// Err is the error the activity returned (nil on success).
	Err error
	// At is the virtual time of the call.
	At     time.Time
	Mocked bool
	done   bool
}

// DecodeInput decodes the call's input into v.
func (c *Call) DecodeInput(v any) error { return json.Unmarshal(c.Input, v) }

func (c *Call) String() string {
	s := fmt.Sprintf("%s(%s)", c.Activity, c.Input)
	switch {
	case !c.done:
		s += " → (running)"
	case c.Err != nil:
		s += " → error: " + c.Err.Error()
	default:
		s += " → " + string(orNull(c.Output))
	}
	return s
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// Activity registers a real activity: a durable.ActivityFunc, or a typed
// function such as func(context.Context, In) (Out, error) (the context and
// the input are optional; so are the result and the error). Its calls are
// recorded; MockActivity replaces it.
//
//	env.Activity("SayHello", app.SayHello)
func (e *Env) Activity(name string, fn any) *ActivityRef {
	e.t.Helper()
	af, sig, err := adaptActivity(fn)
	if err != nil {
		e.t.Fatalf("durabletest: activity %q: %v", name, err)
	}
	ent := e.entry(name)
	e.mu.Lock()
	if ent.real != nil {
		e.mu.Unlock()
		e.t.Fatalf("durabletest: activity %q is registered twice", name)
	}
	ent.real, ent.sig = af, sig
	mock := ent.mock
	e.mu.Unlock()
	if mock != nil {
		for _, a := range mock.answers {
			mock.check(a)
		}
	}
	return &ActivityRef{env: e, name: name}
}

// entry returns the activity's entry, registering the recording wrapper
// with the registry the first time.
func (e *Env) entry(name string) *activityEntry {
	e.t.Helper()
	key := strings.ToLower(name)
	e.mu.Lock()
	ent, ok := e.activities[key]
	if !ok {
		ent = &activityEntry{name: name}
		e.activities[key] = ent
	}
	e.mu.Unlock()
	if !ok {
		e.must(e.reg.AddActivity(name, func(ctx *durable.ActivityContext) (any, error) { return e.invoke(ent, ctx) }))
	}
	return ent
}

// invoke runs a call of an activity: its mock, or the real function.
func (e *Env) invoke(ent *activityEntry, ctx *durable.ActivityContext) (any, error) {
	input := ctx.RawInput()
	if input == "" {
		input = "null"
	}
	c := &Call{Activity: ent.name, InstanceID: ctx.InstanceID(), Input: json.RawMessage(input), At: e.clock.Now()}
	e.mu.Lock()
	mock, real := ent.mock, ent.real
	c.Mocked = mock != nil
	e.calls = append(e.calls, c)
	e.mu.Unlock()
	var out any
	var err error
	switch {
	case mock != nil:
		out, err = mock.invoke(ctx)
	case real != nil:
		out, err = real(ctx)
	default:
		err = fmt.Errorf("durabletest: activity %q has neither a registration nor a mock", ent.name)
	}
	var js json.RawMessage
	if err == nil {
		if b, merr := json.Marshal(out); merr == nil {
			js = b
		}
	}
	e.mu.Lock()
	c.Output, c.Err, c.done = js, err, true
	e.mu.Unlock()
	return out, err
}

// Calls returns the calls of the activity name, in the order they began;
// name "" returns the calls of every activity.
func (e *Env) Calls(name string) []*Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*Call
	for _, c := range e.calls {
		if name == "" || strings.EqualFold(c.Activity, name) {
			cp := *c
			out = append(out, &cp)
		}
	}
	return out
}

// CallCount returns how many times activity name was called.
func (e *Env) CallCount(name string) int { return len(e.Calls(name)) }

// AssertCalled fails the test unless activity name was called with input
// (compared as JSON).
func (e *Env) AssertCalled(name string, input any) {
	e.t.Helper()
	if !e.calledWith(name, input) {
		e.t.Errorf("durabletest: activity %q was not called with %s; calls:\n%s", name, jsonText(input), e.callList(""))
	}
}

// AssertNotCalled fails the test if activity name was called.
func (e *Env) AssertNotCalled(name string) {
	e.t.Helper()
	if n := e.CallCount(name); n > 0 {
		e.t.Errorf("durabletest: activity %q was called %d times, want none:\n%s", name, n, e.callList(name))
	}
}

// AssertCallCount fails the test unless activity name was called n times.
func (e *Env) AssertCallCount(name string, n int) {
	e.t.Helper()
	if got := e.CallCount(name); got != n {
		e.t.Errorf("durabletest: activity %q was called %d times, want %d; calls:\n%s", name, got, n, e.callList(""))
	}
}

// AssertCallOrder fails the test unless the activities were called in this
// order (other calls may come between them).
func (e *Env) AssertCallOrder(names ...string) {
	e.t.Helper()
	i := 0
	for _, c := range e.Calls("") {
		if i < len(names) && strings.EqualFold(c.Activity, names[i]) {
			i++
		}
	}
	if i < len(names) {
		e.t.Errorf("durabletest: activities were not called in the order %s; calls:\n%s", strings.Join(names, ", "), e.callList(""))
	}
}

func (e *Env) calledWith(name string, input any) bool {
	want := jsonText(input)
	for _, c := range e.Calls(name) {
		if jsonEqual(c.Input, json.RawMessage(want)) {
			return true
		}
	}
	return false
}

func (e *Env) callList(name string) string {
	calls := e.Calls(name)
	if len(calls) == 0 {
		return "    (none)"
	}
	var b strings.Builder
	for i, c := range calls {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "    %d. %s", i+1, c)
	}
	return b.String()
}

func jsonText(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		return string(orNull(raw))
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(orNull(a), &x) != nil || json.Unmarshal(orNull(b), &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

// ActivityRef is a registered activity: it reports its calls.
type ActivityRef struct {
	env  *Env
	name string
}

// Calls returns the activity's calls in order.
func (a *ActivityRef) Calls() []*Call { return a.env.Calls(a.name) }

// CallCount returns how many times the activity was called.
func (a *ActivityRef) CallCount() int { return a.env.CallCount(a.name) }

// CalledWith reports whether the activity was called with input (compared
// as JSON).
func (a *ActivityRef) CalledWith(input any) bool { return a.env.calledWith(a.name, input) }

// signature is the Go shape of a typed activity function.
type signature struct {
	fn     reflect.Type
	ctx    reflect.Type // nil, context.Context or *durable.ActivityContext
	in     reflect.Type // nil when it takes no input
	out    reflect.Type // nil when it returns no result
	hasErr bool
}

var (
	typeOfError   = reflect.TypeFor[error]()
	typeOfContext = reflect.TypeFor[context.Context]()
	typeOfActCtx  = reflect.TypeFor[*durable.ActivityContext]()
)

// adaptActivity turns fn into an ActivityFunc and describes its signature.
func adaptActivity(fn any) (durable.ActivityFunc, *signature, error) {
	switch f := fn.(type) {
	case nil:
		return nil, nil, fmt.Errorf("the function is nil")
	case durable.ActivityFunc:
		if f == nil {
			return nil, nil, fmt.Errorf("the function is nil")
		}
		return f, nil, nil
	case func(*durable.ActivityContext) (any, error):
		return durable.ActivityFunc(f), nil, nil
	}
	v := reflect.ValueOf(fn)
	t := v.Type()
	if t.Kind() != reflect.Func || v.IsNil() {
		return nil, nil, fmt.Errorf("want a function, got %T", fn)
	}
	sig := &signature{fn: t}
	i := 0
	if i < t.NumIn() && (t.In(i) == typeOfContext || t.In(i) == typeOfActCtx) {
		sig.ctx = t.In(i)
		i++
	}
	if i < t.NumIn() {
		sig.in = t.In(i)
		i++
	}
	if i != t.NumIn() || t.IsVariadic() {
		return nil, nil, fmt.Errorf("%v takes too many parameters: want (context.Context?, input?)", t)
	}
	switch t.NumOut() {
	case 0:
	case 1:
		if t.Out(0) == typeOfError {
			sig.hasErr = true
		} else {
			sig.out = t.Out(0)
		}
	case 2:
		if t.Out(1) != typeOfError {
			return nil, nil, fmt.Errorf("%v: the second result must be an error", t)
		}
		sig.out, sig.hasErr = t.Out(0), true
	default:
		return nil, nil, fmt.Errorf("%v returns too many values: want (result?, error?)", t)
	}
	call := func(ctx *durable.ActivityContext) (any, error) {
		var args []reflect.Value
		switch sig.ctx {
		case typeOfContext:
			args = append(args, reflect.ValueOf(context.Context(ctx)))
		case typeOfActCtx:
			args = append(args, reflect.ValueOf(ctx))
		}
		if sig.in != nil {
			in := reflect.New(sig.in)
			if err := ctx.GetInput(in.Interface()); err != nil {
				return nil, err
			}
			args = append(args, in.Elem())
		}
		outs := v.Call(args)
		var result any
		if sig.out != nil {
			result = outs[0].Interface()
		}
		if sig.hasErr {
			if e := outs[len(outs)-1]; !e.IsNil() {
				return nil, e.Interface().(error)
			}
		}
		return result, nil
	}
	return call, sig, nil
}

// compatible explains how mock's signature differs from real's ("" when it
// does not).
func compatible(real, mock *signature) string {
	if real == nil || mock == nil {
		return ""
	}
	if mock.in != nil && real.in != nil && mock.in != real.in {
		return fmt.Sprintf("it takes %v, but the activity takes %v (real signature %v)", mock.in, real.in, real.fn)
	}
	if mock.in != nil && real.in == nil {
		return fmt.Sprintf("it takes %v, but the activity takes no input (real signature %v)", mock.in, real.fn)
	}
	if mock.out != real.out {
		return fmt.Sprintf("it returns %v, but the activity returns %v (real signature %v)", typeName(mock.out), typeName(real.out), real.fn)
	}
	return ""
}

func typeName(t reflect.Type) string {
	if t == nil {
		return "no result"
	}
	return t.String()
}

// registryActivity etc. fetch functions from another registry.
func registryActivity(reg *durable.Registry, name string) durable.ActivityFunc {
	f, _ := reg.LookupActivity(name)
	return f
}

func registryOrchestrator(reg *durable.Registry, name string) durable.OrchestratorFunc {
	f, _ := reg.LookupOrchestrator(name)
	return f
}

func registryEntity(reg *durable.Registry, name string) durable.EntityFunc {
	f, _ := reg.LookupEntity(name)
	return f
}
