package hostemu

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// Check validates a reply of function fn the way the host would use it:
// every Outputs entry must name an output binding of fn, http outputs must
// be readable HTTP responses, and durable triggers must return a value.
// Invoke methods call it already; it is exported for replies obtained
// another way.
func (h *Host) Check(fn string, resp *funcapp.InvocationResponse) error {
	f, err := h.function(fn)
	if err != nil {
		return err
	}
	if problems := check(f, resp); len(problems) > 0 {
		return &CheckError{Function: f.Name, Problems: problems}
	}
	return nil
}

func check(f *funcapp.Function, resp *funcapp.InvocationResponse) []string {
	if resp == nil {
		return []string{"no reply"}
	}
	var problems []string
	declared := map[string]*funcapp.Binding{}
	for _, b := range f.Outputs() {
		if b.Name != funcapp.ReturnBindingName {
			declared[strings.ToLower(b.Name)] = b
		}
	}
	for name := range resp.Outputs {
		if _, ok := declared[strings.ToLower(name)]; !ok {
			problems = append(problems, fmt.Sprintf("Outputs[%q] matches no output binding in %s/function.json; the host ignores it", name, f.Name))
		}
	}
	for _, b := range f.Outputs() {
		if !b.Is(funcapp.TypeHTTP) {
			continue
		}
		var v any
		var ok bool
		where := fmt.Sprintf("Outputs[%q]", b.Name)
		if b.Name == funcapp.ReturnBindingName {
			v, ok, where = resp.ReturnValue, resp.ReturnValue != nil, "ReturnValue"
		} else {
			v, ok = lookupFold(resp.Outputs, b.Name)
		}
		if !ok || v == nil {
			problems = append(problems, fmt.Sprintf("%s is missing: the http output binding %q gets no response", where, b.Name))
			continue
		}
		if _, err := httpResponse(v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", where, err))
		}
	}
	switch f.Kind() {
	case funcapp.KindOrchestration:
		if resp.ReturnValue == nil {
			problems = append(problems, "ReturnValue is missing: an orchestrator must return its state")
		}
	case funcapp.KindEntity:
		switch resp.ReturnValue.(type) {
		case map[string]any, string:
		default:
			problems = append(problems, "ReturnValue must be a JSON object: the extension casts an entity result to an object")
		}
	}
	return problems
}

// httpResponse reads an http output value as the host does.
func httpResponse(v any) (*funcapp.HTTPResponse, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var r funcapp.HTTPResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
