package funcapp

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// readFunction parses one function.json. It returns the function (as far
// as it could be read) and the problems found, each naming the file as
// "<Name>/function.json".
func readFunction(name, folder, path string) (*Function, error) {
	display := name + "/" + FunctionFile
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	var doc map[string]json.RawMessage
	if err := decodeJSONConfig(display, data, &doc); err != nil {
		return nil, err
	}
	f := &Function{Name: name, Dir: folder}
	var p problems
	if raw, ok := lookupRaw(doc, "disabled"); ok {
		var b bool
		var s string
		switch {
		case json.Unmarshal(raw, &b) == nil:
			f.Disabled = b
		case json.Unmarshal(raw, &s) == nil && (strings.EqualFold(s, "true") || strings.EqualFold(s, "false")):
			f.Disabled = strings.EqualFold(s, "true")
		default:
			p.add(fmt.Sprintf("%s: \"disabled\" must be true or false, got %s", display, raw))
		}
	}
	rawBindings, ok := lookupRaw(doc, "bindings")
	var list []map[string]json.RawMessage
	if !ok || json.Unmarshal(rawBindings, &list) != nil {
		p.add(fmt.Sprintf("%s: needs a \"bindings\" array of objects, for example [{\"type\": \"httpTrigger\", \"direction\": \"in\", \"name\": \"req\"}]", display))
		return f, p.err()
	}
	for i, props := range list {
		b, probs := newBinding(props)
		for _, prob := range probs {
			p.add(fmt.Sprintf("%s: bindings[%d]: %s", display, i, prob))
		}
		if b != nil {
			f.Bindings = append(f.Bindings, b)
		}
	}
	var triggers []*Binding
	for _, b := range f.Bindings {
		if b.IsTrigger() {
			triggers = append(triggers, b)
		}
	}
	if len(triggers) == 1 {
		f.Trigger = triggers[0]
	}
	return f, p.err()
}

// newBinding builds a Binding from its JSON properties. It returns nil
// when the entry is unusable (no type).
func newBinding(props map[string]json.RawMessage) (*Binding, []string) {
	var probs []string
	str := func(key string) string {
		raw, ok := lookupRaw(props, key)
		if !ok || string(raw) == "null" {
			return ""
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			probs = append(probs, fmt.Sprintf("%q must be a string, got %s", key, raw))
		}
		return strings.TrimSpace(s)
	}
	b := &Binding{
		Type:      str("type"),
		Direction: strings.ToLower(str("direction")),
		Name:      str("name"),
		DataType:  strings.ToLower(str("dataType")),
		props:     props,
	}
	if b.Type == "" {
		probs = append(probs, `has no "type"; set it to the binding type, such as "queueTrigger"`)
		return nil, probs
	}
	if b.Direction == "" {
		b.Direction = DirectionIn
	}
	return b, probs
}

func lookupRaw(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
