package extension

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Invocation is the part of a custom-handler invocation body the durable
// triggers use: {"Data": {...}, "Metadata": {...}}.
type Invocation struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// DecodeInvocation parses an invocation body.
func DecodeInvocation(body []byte) (*Invocation, error) {
	var inv Invocation
	if err := json.Unmarshal(body, &inv); err != nil {
		return nil, fmt.Errorf("the invocation body is not {\"Data\":{...},\"Metadata\":{...}} JSON: %w", err)
	}
	return &inv, nil
}

// TriggerText returns the trigger's string value. The host JSON-encodes a
// string binding value before it encodes the whole body, so the value
// arrives as a JSON string whose content is itself a JSON string literal;
// both levels are removed (one level is accepted too). An empty binding
// name picks the only Data entry.
func (inv *Invocation) TriggerText(binding string) (string, error) {
	raw, err := inv.trigger(binding)
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("the trigger value is not a string: %s", abbreviate(raw))
	}
	if strings.HasPrefix(s, `"`) {
		var inner string
		if err := json.Unmarshal([]byte(s), &inner); err == nil {
			s = inner
		}
	}
	return s, nil
}

func (inv *Invocation) trigger(binding string) (json.RawMessage, error) {
	if binding != "" {
		for k, v := range inv.Data {
			if strings.EqualFold(k, binding) {
				return v, nil
			}
		}
		return nil, fmt.Errorf("the invocation has no %q trigger value in Data", binding)
	}
	if len(inv.Data) != 1 {
		return nil, fmt.Errorf("the invocation has %d Data values; expected exactly one, the trigger's", len(inv.Data))
	}
	for _, v := range inv.Data {
		return v, nil
	}
	return nil, errors.New("unreachable")
}

// MetaString returns a Metadata entry that holds a string (one level of
// the host's extra JSON encoding removed), or "" when it is absent or null.
func (inv *Invocation) MetaString(name string) (string, error) {
	raw, ok := lookupFold(inv.Metadata, name)
	if !ok || isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("Metadata %q is not a string: %s", name, abbreviate(raw))
	}
	if strings.HasPrefix(s, `"`) {
		var inner string
		if json.Unmarshal([]byte(s), &inner) == nil {
			s = inner
		}
	}
	return s, nil
}

// MetaJSON returns the JSON text of a Metadata entry the extension bound
// as a JSON token (the activity's "data"): the host passes a JSON object
// through as an object and turns every other token into a string holding
// its JSON text. Absent or null gives "".
func (inv *Invocation) MetaJSON(name string) (string, error) {
	raw, ok := lookupFold(inv.Metadata, name)
	if !ok || isNull(raw) {
		return "", nil
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] != '"' {
		return string(raw), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("Metadata %q: %w", name, err)
	}
	if s == "null" {
		return "", nil
	}
	if !json.Valid([]byte(s)) {
		// One encoding level only (not what the host does, but what a
		// hand-written request might): the string is the value itself.
		b, _ := json.Marshal(s)
		return string(b), nil
	}
	return s, nil
}

func lookupFold(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
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

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func abbreviate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// reply is the custom-handler response body.
type reply struct {
	Outputs     map[string]any  `json:"Outputs"`
	Logs        []string        `json:"Logs"`
	ReturnValue json.RawMessage `json:"ReturnValue"`
}

func replyBody(ret json.RawMessage, logs []string) []byte {
	if logs == nil {
		logs = []string{}
	}
	if ret == nil {
		ret = json.RawMessage("null")
	}
	b, _ := json.Marshal(reply{Outputs: map[string]any{}, Logs: logs, ReturnValue: ret})
	return b
}
