package mgmtapi_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// waitEntity waits until the entity's state is want (JSON text).
func (e *testEnv) waitEntity(id durable.EntityID, want string) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		md, err := e.client.ReadEntityState(context.Background(), id)
		if err == nil && string(md.State) == want {
			return
		}
		if time.Now().After(deadline) {
			var got string
			if md != nil {
				got = string(md.State)
			}
			e.t.Fatalf("entity %s never reached state %s (last: %s, %v)", id, want, got, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSignalingAndReadingEntities(t *testing.T) {
	e := newEnv(t)
	counter := durable.NewEntityID("Counter", "c1")

	t.Run("signaling with JSON input is 202", func(t *testing.T) {
		r := e.do(t, postJSON(base+"/entities/Counter/c1?op=add", `5`))
		if r.Status != http.StatusAccepted || len(r.Body) != 0 {
			t.Fatalf("got %s", r)
		}
		e.do(t, postJSON(base+"/entities/counter/c1?OP=add", `2`))
		e.waitEntity(counter, "7")
	})
	t.Run("reading the state is 200 with the state as the body", func(t *testing.T) {
		r := e.do(t, get(base+"/entities/Counter/c1"))
		if r.Status != http.StatusOK || compactJSON(t, r.Body) != "7" {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("signaling with another content type sends the body as a string", func(t *testing.T) {
		r := e.do(t, request{method: "POST", path: base + "/entities/Notes/n1?op=set", body: "plain text, not JSON",
			header: map[string]string{"Content-Type": "text/plain"}})
		if r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		e.waitEntity(durable.NewEntityID("Notes", "n1"), `"plain text, not JSON"`)
	})
	t.Run("the key $ is the empty key", func(t *testing.T) {
		if r := e.do(t, postJSON(base+"/entities/Counter/$?op=add", `1`)); r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		e.waitEntity(durable.NewEntityID("Counter", ""), "1")
		if r := e.do(t, get(base+"/entities/Counter/$")); r.Status != http.StatusOK || string(r.Body) != "1" {
			t.Fatalf("got %s", r)
		}
	})
	t.Run("reading an entity that does not exist is 404", func(t *testing.T) {
		expectError(t, e.do(t, get(base+"/entities/Counter/never")), http.StatusNotFound)
	})
	t.Run("DELETE sends the operation delete", func(t *testing.T) {
		e.do(t, postJSON(base+"/entities/Counter/gone?op=add", `1`))
		e.waitEntity(durable.NewEntityID("Counter", "gone"), "1")
		if r := e.do(t, del(base+"/entities/Counter/gone")); r.Status != http.StatusAccepted {
			t.Fatalf("got %s", r)
		}
		deadline := time.Now().Add(10 * time.Second)
		for e.do(t, get(base+"/entities/Counter/gone")).Status != http.StatusNotFound {
			if time.Now().After(deadline) {
				t.Fatal("entity state never deleted")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func TestListingEntities(t *testing.T) {
	e := newEnv(t)
	const n = 12
	for i := range n {
		if r := e.do(t, postJSON(base+fmt.Sprintf("/entities/Counter/k%02d?op=add", i), fmt.Sprint(i+1))); r.Status != http.StatusAccepted {
			t.Fatalf("signal: %s", r)
		}
	}
	e.do(t, request{method: "POST", path: base + "/entities/Notes/n?op=set", body: "x"})
	for i := range n {
		e.waitEntity(durable.NewEntityID("Counter", fmt.Sprintf("k%02d", i)), fmt.Sprint(i+1))
	}
	e.waitEntity(durable.NewEntityID("Notes", "n"), `"x"`)
	timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)

	list := func(t *testing.T, path string) []map[string]any {
		t.Helper()
		var all []map[string]any
		token := ""
		for range 100 {
			req := get(path)
			if token != "" {
				req.header = map[string]string{"x-ms-continuation-token": token}
			}
			r := e.do(t, req)
			if r.Status != http.StatusOK {
				t.Fatalf("got %s", r)
			}
			var page []map[string]any
			r.json(t, &page)
			all = append(all, page...)
			if token = r.Header.Get("x-ms-continuation-token"); token == "" {
				return all
			}
		}
		t.Fatal("paging never ended")
		return nil
	}
	t.Run("lists every entity of a name with its state", func(t *testing.T) {
		got := list(t, base+"/entities/Counter?fetchState=true")
		if len(got) != n {
			t.Fatalf("listed %d, want %d: %v", len(got), n, got)
		}
		for _, ent := range got {
			id := ent["entityId"].(map[string]any)
			if id["name"] != "counter" || ent["state"] == nil || !timeRE.MatchString(ent["lastOperationTime"].(string)) {
				t.Fatalf("got %v", ent)
			}
		}
	})
	t.Run("pages with top and the continuation header", func(t *testing.T) {
		if got := list(t, base+"/entities/counter?top=5"); len(got) != n {
			t.Fatalf("listed %d, want %d", len(got), n)
		}
	})
	t.Run("lists entities of every name without their state by default", func(t *testing.T) {
		got := list(t, base+"/entities")
		if len(got) != n+1 {
			t.Fatalf("listed %d, want %d", len(got), n+1)
		}
		for _, ent := range got {
			if ent["state"] != nil {
				t.Fatalf("state without fetchState: %v", ent)
			}
		}
	})
	t.Run("filters by last operation time", func(t *testing.T) {
		if got := list(t, base+"/entities?lastOperationTimeTo=2001-01-01T00:00:00Z"); len(got) != 0 {
			t.Fatalf("listed %d, want 0", len(got))
		}
		if got := list(t, base+"/entities?lastOperationTimeFrom=2001-01-01T00:00:00Z"); len(got) != n+1 {
			t.Fatalf("listed %d, want %d", len(got), n+1)
		}
	})
}
