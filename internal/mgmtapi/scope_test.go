package mgmtapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/internal/mgmtapi"
)

// scopedAsPlaceholder checks that every URL of a check-status payload
// carries the same scoped code (not key) and replaces it with SCOPED.
func scopedAsPlaceholder(t *testing.T, p map[string]any, key string) map[string]any {
	t.Helper()
	out := map[string]any{}
	var code string
	for k, v := range p {
		s, ok := v.(string)
		if !ok || !strings.Contains(s, "code=") {
			out[k] = v
			continue
		}
		_, q, _ := strings.Cut(s, "?")
		vals, err := url.ParseQuery(strings.NewReplacer("{", "", "}", "").Replace(q))
		if err != nil {
			t.Fatal(err)
		}
		c := vals.Get("code")
		if c == key || strings.Contains(s, url.QueryEscape(key)) || !strings.HasPrefix(c, "i1.") {
			t.Fatalf("%s carries %q: want a scoped code, never the key", k, c)
		}
		if code != "" && c != code {
			t.Fatalf("%s carries %q, another URL %q", k, c, code)
		}
		code = c
		out[k] = strings.Replace(s, "code="+url.QueryEscape(c), "code=SCOPED", 1)
	}
	return out
}

// The link handed to an anonymous caller manages its own instance and
// nothing else; the key keeps working everywhere.
func TestAScopedLinkGrantsItsInstanceOnly(t *testing.T) {
	const key = "the-key"
	e := newEnv(t, mgmtapi.WithKey(key))
	start := func(id string) map[string]any {
		return checkStatusResponse(t, e.do(t, request{method: "POST", path: "/orchestrators/WaitForEvent/" + id, header: map[string]string{"x-functions-key": key}}))
	}
	mine, other := start("mine"), start("other")
	code := func(p map[string]any) string {
		u, err := url.Parse(p["statusQueryGetUri"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return u.Query().Get("code")
	}
	myCode := code(mine)
	with := func(c string) map[string]string { return map[string]string{"x-functions-key": c} }
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"its status", request{method: "GET", path: "/instances/mine", header: with(myCode)}, http.StatusAccepted},
		{"an event to it", request{method: "POST", path: "/instances/mine/raiseEvent/Other", body: "true", header: map[string]string{"x-functions-key": myCode, "Content-Type": "application/json"}}, http.StatusAccepted},
		{"another instance's status", request{method: "GET", path: "/instances/other", header: with(myCode)}, http.StatusUnauthorized},
		{"terminating another instance", request{method: "POST", path: "/instances/other/terminate", header: with(myCode)}, http.StatusUnauthorized},
		{"the instance list", request{method: "GET", path: "/instances", header: with(myCode)}, http.StatusUnauthorized},
		{"a purge by filter", request{method: "DELETE", path: "/instances", header: with(myCode)}, http.StatusUnauthorized},
		{"starting an orchestration", request{method: "POST", path: "/orchestrators/Echo", header: with(myCode)}, http.StatusUnauthorized},
		{"the entity list", request{method: "GET", path: "/entities", header: with(myCode)}, http.StatusUnauthorized},
		{"another instance's own code on this instance", request{method: "GET", path: "/instances/mine", header: with(code(other))}, http.StatusUnauthorized},
		{"a tampered code", request{method: "GET", path: "/instances/mine", header: with(myCode[:len(myCode)-2] + "xx")}, http.StatusUnauthorized},
		{"the key, on the list", request{method: "GET", path: "/instances", header: with(key)}, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run("a link to one instance and "+tc.name, func(t *testing.T) {
			if r := e.do(t, tc.req); r.Status != tc.status {
				t.Fatalf("%s %s: %s, want %d", tc.req.method, tc.req.path, r, tc.status)
			}
		})
	}
	// The links work as handed out: the terminate URL ends the instance.
	term := strings.Replace(mine["terminatePostUri"].(string), "{text}", "done", 1)
	u, _ := url.Parse(term)
	if r := doURL(t, e.srv.URL+u.RequestURI(), post("")); r.Status != http.StatusAccepted {
		t.Fatalf("the handed-out terminate URL: %s", r)
	}
}
