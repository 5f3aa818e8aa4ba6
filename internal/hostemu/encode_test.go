package hostemu

import (
	"testing"
	"time"
)

func TestHostValueFollowsTheHostsConversionRules(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"a string is serialized into a string", "hello", `"\"hello\""`},
		{"a number is serialized into a string", int64(7), `"7"`},
		{"an array is serialized into a string", []string{"a", "b"}, `"[\"a\",\"b\"]"`},
		{"nil is serialized into a string", nil, `"null"`},
		{"bytes become base64", []byte{0, 1}, `"AAE="`},
		{"a map stays an object", map[string]any{"a": 1}, `{"a":1}`},
		{"a DateTime is written in UTC with Z", dateTime(time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)), `"2024-01-02T03:04:05.0000006Z"`},
		{"a DateTimeOffset is written with an offset", dateTimeOffset(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)), `"2024-01-02T03:04:05+00:00"`},
		{"HTML characters are not escaped", "<&>", `"\"<&>\""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := hostValue(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := marshal(v)
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
