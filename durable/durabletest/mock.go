package durabletest

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/godurable/durablefunctions/durable"
)

// Mock replaces an activity in tests. Give it answers with Return,
// ReturnError and Do; each answer serves Times(n) calls (every call by
// default) and the answers are used in the order they were given:
//
//	flaky := env.MockActivity("Charge")
//	flaky.ReturnError(errors.New("card declined")).Times(2)
//	flaky.Return("receipt-1")
type Mock struct {
	ActivityRef
	answers []*Answer
}

// Answer is one way a mock answers calls.
type Answer struct {
	mock  *Mock
	value any
	err   error
	fn    durable.ActivityFunc
	sig   *signature
	desc  string
	times int // 0: unlimited
	used  int
}

// MockActivity mocks the activity name: calls run the mock's answers
// instead of the registered function (which need not exist). Calling it
// again for the same name returns the same mock.
func (e *Env) MockActivity(name string) *Mock {
	e.t.Helper()
	ent := e.entry(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if ent.mock == nil {
		ent.mock = &Mock{ActivityRef: ActivityRef{env: e, name: name}}
	}
	return ent.mock
}

// Return answers calls with v (encoded as JSON). When the real activity's
// Go signature is known, v must have its result type.
func (m *Mock) Return(v any) *Answer {
	m.env.t.Helper()
	return m.add(&Answer{value: v, desc: "Return(" + jsonText(v) + ")"})
}

// ReturnError fails calls with err; the orchestrator's Await returns a
// *durable.TaskFailedError carrying its message, and retry policies apply.
func (m *Mock) ReturnError(err error) *Answer {
	m.env.t.Helper()
	if err == nil {
		m.env.t.Fatalf("durabletest: MockActivity(%q).ReturnError(nil): want an error", m.name)
	}
	return m.add(&Answer{err: err, desc: fmt.Sprintf("ReturnError(%q)", err.Error())})
}

// Do answers calls by running fn, which has the same forms as
// Env.Activity accepts: func(context.Context, In) (Out, error) and its
// shorter variants, or a durable.ActivityFunc. When the real activity's
// signature is known, fn's input and result types must match it.
func (m *Mock) Do(fn any) *Answer {
	m.env.t.Helper()
	af, sig, err := adaptActivity(fn)
	if err != nil {
		m.env.t.Fatalf("durabletest: MockActivity(%q).Do: %v", m.name, err)
	}
	return m.add(&Answer{fn: af, sig: sig, desc: fmt.Sprintf("Do(%T)", fn)})
}

func (m *Mock) add(a *Answer) *Answer {
	m.env.t.Helper()
	a.mock = m
	m.check(a)
	m.env.mu.Lock()
	m.answers = append(m.answers, a)
	m.env.mu.Unlock()
	return a
}

// check fails the test when an answer does not fit the real signature.
func (m *Mock) check(a *Answer) {
	m.env.t.Helper()
	m.env.mu.Lock()
	real := m.env.activities[lower(m.name)].sig
	m.env.mu.Unlock()
	if real == nil {
		return
	}
	switch {
	case a.sig != nil:
		if why := compatible(real, a.sig); why != "" {
			m.env.t.Fatalf("durabletest: MockActivity(%q).Do: %s", m.name, why)
		}
	case a.fn == nil && a.err == nil && a.value != nil:
		if _, raw := a.value.(json.RawMessage); raw {
			return
		}
		vt := reflect.TypeOf(a.value)
		if real.out == nil {
			m.env.t.Fatalf("durabletest: MockActivity(%q).Return(%v): the activity returns no result (real signature %v)", m.name, vt, real.fn)
		} else if !vt.AssignableTo(real.out) {
			m.env.t.Fatalf("durabletest: MockActivity(%q).Return(%v): the activity returns %v (real signature %v)", m.name, vt, real.out, real.fn)
		}
	}
}

// Times makes the answer serve n calls; the next answer serves the calls
// after them.
func (a *Answer) Times(n int) *Answer {
	a.mock.env.mu.Lock()
	a.times = n
	a.mock.env.mu.Unlock()
	return a
}

// Once is Times(1).
func (a *Answer) Once() *Answer { return a.Times(1) }

// invoke answers one call.
func (m *Mock) invoke(ctx *durable.ActivityContext) (any, error) {
	m.env.mu.Lock()
	var a *Answer
	for _, x := range m.answers {
		if x.times == 0 || x.used < x.times {
			a = x
			break
		}
	}
	if a != nil {
		a.used++
	}
	n := 0
	for _, x := range m.answers {
		n += x.used
	}
	m.env.mu.Unlock()
	if a == nil {
		err := fmt.Errorf("durabletest: mock of activity %q has no answer left for call %d (give it one with Return, ReturnError or Do)", m.name, n+1)
		m.env.fault(err)
		return nil, err
	}
	switch {
	case a.fn != nil:
		return a.fn(ctx)
	case a.err != nil:
		return nil, a.err
	}
	return a.value, nil
}
