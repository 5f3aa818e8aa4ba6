package replay

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"unsafe"
)

// decodeJSON decodes JSON text into v. Simple results (printable ASCII
// strings without escapes, integers, booleans) take a fast path that
// allocates nothing and accepts exactly what encoding/json would; the
// string case shares memory with the history event, which is never
// modified. An empty text means "no value" and leaves v unchanged.
func decodeJSON(js string, v any) error {
	if v == nil || js == "" {
		return nil
	}
	switch p := v.(type) {
	case *string:
		if s, ok := plainJSONString(js); ok {
			*p = s
			return nil
		}
	case *int:
		if isJSONInteger(js) {
			if n, err := strconv.Atoi(js); err == nil {
				*p = n
				return nil
			}
		}
	case *int64:
		if isJSONInteger(js) {
			if n, err := strconv.ParseInt(js, 10, 64); err == nil {
				*p = n
				return nil
			}
		}
	case *bool:
		switch js {
		case "true":
			*p = true
			return nil
		case "false":
			*p = false
			return nil
		}
	case *json.RawMessage:
		*p = append((*p)[:0], js...)
		return nil
	}
	return json.Unmarshal(unsafe.Slice(unsafe.StringData(js), len(js)), v)
}

// plainJSONString returns the contents of a JSON string literal made of
// printable ASCII without escapes, which decodes to itself.
func plainJSONString(js string) (string, bool) {
	n := len(js)
	if n < 2 || js[0] != '"' || js[n-1] != '"' {
		return "", false
	}
	s := js[1 : n-1]
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b >= 0x7f || b == '"' || b == '\\' {
			return "", false
		}
	}
	return s, true
}

// isJSONInteger reports whether js is a JSON number without fraction or
// exponent: an optional minus sign and digits without leading zeros.
func isJSONInteger(js string) bool {
	if js != "" && js[0] == '-' {
		js = js[1:]
	}
	if js == "" || (js[0] == '0' && len(js) > 1) {
		return false
	}
	for i := 0; i < len(js); i++ {
		if js[i] < '0' || js[i] > '9' {
			return false
		}
	}
	return true
}

func (t *Task) decode(v any) error {
	if v == nil {
		return nil
	}
	switch t.kind {
	case kindWhenAny:
		switch p := v.(type) {
		case **Task:
			*p = t.winner
			return nil
		case *Task:
			*p = *t.winner
			return nil
		}
		return errors.New("durable: WhenAny's result is the winning task: pass a **Task")
	case kindWhenAll:
		return t.decodeAll(v)
	case kindDone:
		return nil
	}
	if err := decodeJSON(t.result, v); err != nil {
		return &InputError{What: "result of " + kindNames[t.kind] + " '" + t.name + "'", Err: err}
	}
	return nil
}

// decodeAll fills a slice with the children's results.
func (t *Task) decodeAll(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Slice {
		return errors.New("durable: WhenAll's result is a slice of the tasks' results: pass a pointer to a slice")
	}
	s := rv.Elem()
	s.Set(reflect.MakeSlice(s.Type(), len(t.children), len(t.children)))
	for i, ch := range t.children {
		if err := ch.decode(s.Index(i).Addr().Interface()); err != nil {
			return err
		}
	}
	return nil
}

// ResultJSON returns the JSON text of a finished task's result, or its error.
func (t *Task) ResultJSON() (string, error) {
	if t.state == stateFailed {
		return "", t.err
	}
	return t.result, nil
}
