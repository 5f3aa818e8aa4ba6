package funcapp

import (
	"reflect"
	"strings"
	"testing"
)

func TestMatchRoute(t *testing.T) {
	type p = map[string]string
	tests := []struct {
		name, template, path string
		want                 p // nil means no match
	}{
		{"a literal route matches itself", "hello", "hello", p{}},
		{"literals match case-insensitively", "Orchestrators/Start", "/orchestrators/START/", p{}},
		{"a different literal does not match", "hello", "goodbye", nil},
		{"an extra segment does not match", "hello", "hello/there", nil},
		{"a parameter captures one segment", "orchestrators/{functionName}", "orchestrators/HelloSequence", p{"functionName": "HelloSequence"}},
		{"a parameter does not span slashes", "items/{id}", "items/a/b", nil},
		{"a parameter must not be empty", "items/{id}", "items", nil},
		{"an optional parameter may be present", "orchestrators/{functionName}/{instanceId?}", "orchestrators/F/abc", p{"functionName": "F", "instanceId": "abc"}},
		{"an optional parameter may be absent", "orchestrators/{functionName}/{instanceId?}", "orchestrators/F", p{"functionName": "F"}},
		{"two optional segments may both be absent", "a/{b?}/{c?}", "a", p{}},
		{"a default applies when absent", "pages/{page=1}", "pages", p{"page": "1"}},
		{"a default is replaced when present", "pages/{page=1}", "pages/3", p{"page": "3"}},
		{"int accepts digits", "items/{id:int}", "items/42", p{"id": "42"}},
		{"int accepts a sign", "items/{id:int}", "items/-7", p{"id": "-7"}},
		{"int rejects letters", "items/{id:int}", "items/abc", nil},
		{"int rejects values beyond 32 bits", "items/{id:int}", "items/3000000000", nil},
		{"long accepts values beyond 32 bits", "items/{id:long}", "items/3000000000", p{"id": "3000000000"}},
		{"alpha accepts letters", "names/{n:alpha}", "names/Tokyo", p{"n": "Tokyo"}},
		{"alpha rejects digits", "names/{n:alpha}", "names/T0kyo", nil},
		{"bool accepts any case", "flags/{f:bool}", "flags/TRUE", p{"f": "TRUE"}},
		{"bool rejects other words", "flags/{f:bool}", "flags/yes", nil},
		{"guid accepts the hyphenated form", "i/{g:guid}", "i/0f8fad5b-d9cb-469f-a165-70867728950e", p{"g": "0f8fad5b-d9cb-469f-a165-70867728950e"}},
		{"guid accepts 32 hex digits", "i/{g:guid}", "i/0f8fad5bd9cb469fa16570867728950e", p{"g": "0f8fad5bd9cb469fa16570867728950e"}},
		{"guid accepts braces", "i/{g:guid}", "i/{0f8fad5b-d9cb-469f-a165-70867728950e}", p{"g": "{0f8fad5b-d9cb-469f-a165-70867728950e}"}},
		{"guid rejects other text", "i/{g:guid}", "i/not-a-guid", nil},
		{"constraints can be chained", "i/{n:int:min(10):max(20)}", "i/15", p{"n": "15"}},
		{"a chained constraint can reject", "i/{n:int:min(10)}", "i/5", nil},
		{"range bounds are inclusive", "i/{n:range(1,3)}", "i/3", p{"n": "3"}},
		{"length checks characters", "c/{code:length(3)}", "c/abc", p{"code": "abc"}},
		{"length rejects other lengths", "c/{code:length(3)}", "c/abcd", nil},
		{"a regex constraint is applied", `z/{zip:regex(^\d{{5}}$)}`, "z/12345", p{"zip": "12345"}},
		{"a regex constraint can reject", `z/{zip:regex(^\d{{5}}$)}`, "z/1234", nil},
		{"an unknown constraint is accepted", "u/{x:somethingNew}", "u/anything", p{"x": "anything"}},
		{"an optional constrained parameter may be absent", "i/{id:int?}", "i", p{}},
		{"an optional constrained parameter is still checked", "i/{id:int?}", "i/x", nil},
		{"a catch-all takes the rest", "durabletask/{*path}", "durabletask/instances/abc/raiseEvent/E", p{"path": "instances/abc/raiseEvent/E"}},
		{"a catch-all may be empty", "durabletask/{*path}", "durabletask", p{}},
		{"a double-star catch-all behaves the same", "files/{**rest}", "files/a/b.txt", p{"rest": "a/b.txt"}},
		{"a catch-all alone matches everything", "{*all}", "x/y", p{"all": "x/y"}},
		{"the empty template matches the root", "", "/", p{}},
		{"complex segments split at literals", "files/{name}.{ext}", "files/report.final.pdf", p{"name": "report.final", "ext": "pdf"}},
		{"complex segments may end with an optional parameter", "files/{name}.{ext?}", "files/readme", p{"name": "readme"}},
		{"an optional parameter at the end of a complex segment is captured", "files/{name}.{ext?}", "files/report.final.pdf", p{"name": "report.final", "ext": "pdf"}},
		{"escaped braces are literals", "lit/{{x}}", "lit/{x}", p{}},
		{"a leading tilde-slash is ignored", "~/home", "home", p{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := MatchRoute(tt.template, tt.path)
			if tt.want == nil {
				if ok {
					t.Fatalf("MatchRoute(%q, %q) = %v, want no match", tt.template, tt.path, got)
				}
				return
			}
			if !ok {
				t.Fatalf("MatchRoute(%q, %q) did not match", tt.template, tt.path)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MatchRoute(%q, %q) = %v, want %v", tt.template, tt.path, got, tt.want)
			}
		})
	}
}

func TestCompileRouteRejectsInvalidTemplates(t *testing.T) {
	tests := []struct{ template, want string }{
		{"items/{id", "unclosed '{'"},
		{"items/id}", "unmatched '}'"},
		{"a//b", "empty segment"},
		{"{*rest}/more", "must be in the last segment"},
		{"x{*rest}", "must be a whole segment"},
		{"{a}{b}", "two parameters need a literal"},
		{"{a}/{a}", "appears twice"},
		{"{a?}/b", "follows an optional segment"},
		{"{a?}x", "must be at the end of the segment"},
		{"{}", "invalid parameter name"},
		{"{a:min(x)}", "not an integer"},
		{"{a:regex(()}", "unclosed"},
		{"{a:length(1}", "unclosed '('"},
		{"{*a?}", "cannot be marked optional"},
		{"a?b", "only allowed inside"},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			_, err := CompileRoute(tt.template)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CompileRoute(%q) error = %v, want it to contain %q", tt.template, err, tt.want)
			}
			if _, ok := MatchRoute(tt.template, "a/b"); ok {
				t.Error("an invalid template matched")
			}
		})
	}
}
