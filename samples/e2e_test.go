package main_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Every sample of design §5 runs to its documented result through the HTTP
// API, started the way the README tells users to: POST
// /api/orchestrators/{name} with the input as the body.
func TestEverySampleRunsToItsDocumentedResult(t *testing.T) {
	t.Parallel()
	p := startApp(t)
	raise := func(body string) func(t *testing.T, p *proc, cs checkStatus) {
		return func(t *testing.T, p *proc, cs checkStatus) {
			u := strings.Replace(cs.SendEventPostURI, "{eventName}", "ApprovalEvent", 1)
			expect(t, "raise ApprovalEvent", p.do(t, http.MethodPost, u, "application/json", []byte(body)), http.StatusAccepted)
		}
	}
	tests := []struct {
		name, orchestrator, input string
		then                      func(t *testing.T, p *proc, cs checkStatus)
		want                      string // the output, as JSON
		history                   func(t *testing.T, st *status)
	}{
		{name: "HelloSequence greets three cities in order", orchestrator: "HelloSequence",
			want: `["Hello Tokyo!","Hello Seattle!","Hello London!"]`},
		{name: "FanOutFanIn sums the squares of 1..10", orchestrator: "FanOutFanIn", input: `10`, want: `385`},
		{name: "FanOutFanIn defaults to 10", orchestrator: "FanOutFanIn", want: `385`},
		{name: "FanOutFanIn of 0 is 0", orchestrator: "FanOutFanIn", input: `0`, want: `0`},
		{name: "Monitor polls until the job completes", orchestrator: "Monitor",
			input: `{"jobId":"j1","pollingIntervalSeconds":1,"expirySeconds":30}`, want: `"Completed"`},
		{name: "ApprovalWorkflow approved by the event", orchestrator: "ApprovalWorkflow",
			input: `{"timeoutSeconds":300}`, then: raise("true"), want: `"approved"`},
		{name: "ApprovalWorkflow rejected by the event", orchestrator: "ApprovalWorkflow",
			input: `{"timeoutSeconds":300}`, then: raise("false"), want: `"rejected"`},
		{name: "ApprovalWorkflow escalates when nobody answers", orchestrator: "ApprovalWorkflow",
			input: `{"timeoutSeconds":1}`, want: `"escalated"`},
		{name: "RetryThenSucceed retries on durable timers", orchestrator: "RetryThenSucceed",
			want: `"succeeded after retries"`, history: func(t *testing.T, st *status) {
				counts := eventCounts(t, st)
				if counts["TaskFailed"] != 2 || counts["TimerCreated"] < 2 || counts["TimerFired"] < 2 || counts["TaskCompleted"] != 1 {
					t.Errorf("history events %v, want 2 TaskFailed, 2 retry timers created and fired, 1 TaskCompleted", counts)
				}
			}},
		{name: "SubOrchestrationParent runs HelloSequence twice", orchestrator: "SubOrchestrationParent",
			want: `[["Hello Tokyo!","Hello Seattle!","Hello London!"],["Hello Tokyo!","Hello Seattle!","Hello London!"]]`,
			history: func(t *testing.T, st *status) {
				if n := eventCounts(t, st)["SubOrchestrationInstanceCompleted"]; n != 2 {
					t.Errorf("%d SubOrchestrationInstanceCompleted events, want 2", n)
				}
			}},
		{name: "ContinueAsNewCounter counts to its target", orchestrator: "ContinueAsNewCounter", input: `{"target":5}`, want: `5`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := p.start(t, tt.orchestrator, tt.input)
			if tt.then != nil {
				p.waitStatus(t, cs.ID, "Running")
				tt.then(t, p, cs)
			}
			st := p.waitDone(t, cs.ID)
			if st.RuntimeStatus != "Completed" || !jsonEqual(string(st.Output), tt.want) {
				t.Fatalf("%s finished %s with output %s, want Completed with %s", tt.orchestrator, st.RuntimeStatus, st.Output, tt.want)
			}
			if st.Name != tt.orchestrator {
				t.Errorf("name %q, want %q", st.Name, tt.orchestrator)
			}
			// The status URL from the check-status payload works as is.
			r := p.do(t, http.MethodGet, cs.StatusQueryGetURI, "", nil)
			expect(t, "GET statusQueryGetUri", r, http.StatusOK)
			if tt.history != nil {
				tt.history(t, st)
			}
		})
	}
}

// waitRewound waits until a rewind request has been applied to the
// instance (its history shows ExecutionRewound) and it has finished again.
func (p *proc) waitRewound(t *testing.T, id string) *status {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		st := p.waitDone(t, id)
		if eventCounts(t, st)["ExecutionRewound"] > 0 {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s: no ExecutionRewound in its history after %v", id, waitLong)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func eventCounts(t *testing.T, st *status) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, raw := range st.History {
		var ev struct{ EventType string }
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("history event %s: %v", raw, err)
		}
		counts[ev.EventType]++
	}
	return counts
}

func TestEntitiesThroughTheEntitiesAPI(t *testing.T) {
	t.Parallel()
	p := startApp(t)

	t.Run("Counter adds, resets and reads, whatever the case of its names", func(t *testing.T) {
		t.Parallel()
		key := uniq("counter")
		p.signal(t, "Counter", key, "add", "5")
		p.signal(t, "counter", key, "ADD", "3")
		p.waitEntity(t, "Counter", key, "8")
		p.signal(t, "COUNTER", key, "Reset", "")
		p.signal(t, "Counter", key, "add", "2")
		p.waitEntity(t, "counter", key, "2")
		// get returns the value to callers; signalled, it changes nothing.
		p.signal(t, "Counter", key, "get", "")
		p.signal(t, "Counter", key, "add", "1")
		p.waitEntity(t, "Counter", key, "3")
	})

	t.Run("Account refuses a withdrawal larger than the balance and keeps its state", func(t *testing.T) {
		t.Parallel()
		key := uniq("account")
		p.signal(t, "Account", key, "deposit", "100")
		p.signal(t, "Account", key, "withdraw", "30")
		p.waitEntity(t, "Account", key, `{"balance":70}`)
		p.signal(t, "Account", key, "withdraw", "1000")
		p.signal(t, "Account", key, "balance", "")
		// Operations run in order: once the next deposit shows, the failed
		// withdrawal has run and changed nothing.
		p.signal(t, "Account", key, "deposit", "1")
		p.waitEntity(t, "Account", key, `{"balance":71}`)
	})

	t.Run("TransferFunds moves money only when the source has enough", func(t *testing.T) {
		t.Parallel()
		from, to := uniq("from"), uniq("to")
		p.signal(t, "Account", from, "deposit", "100")
		p.signal(t, "Account", to, "deposit", "50")
		p.waitEntity(t, "Account", from, `{"balance":100}`)
		p.waitEntity(t, "Account", to, `{"balance":50}`)
		steps := []struct {
			amount           int
			want             string
			wantFrom, wantTo int
		}{
			{30, "true", 70, 80},
			{1000, "false", 70, 80},
			{70, "true", 0, 150},
			{1, "false", 0, 150},
		}
		for _, s := range steps {
			cs := p.start(t, "TransferFunds", fmt.Sprintf(`{"from":%q,"to":%q,"amount":%d}`, from, to, s.amount))
			st := p.waitDone(t, cs.ID)
			if st.RuntimeStatus != "Completed" || string(st.Output) != s.want {
				t.Fatalf("transfer %d: %s %s, want Completed %s", s.amount, st.RuntimeStatus, st.Output, s.want)
			}
			p.waitEntity(t, "Account", from, fmt.Sprintf(`{"balance":%d}`, s.wantFrom))
			p.waitEntity(t, "Account", to, fmt.Sprintf(`{"balance":%d}`, s.wantTo))
		}
	})

	t.Run("transfers in both directions at once conserve the money", func(t *testing.T) {
		t.Parallel()
		a, b := uniq("a"), uniq("b")
		p.signal(t, "Account", a, "deposit", "100")
		p.signal(t, "Account", b, "deposit", "100")
		p.waitEntity(t, "Account", a, `{"balance":100}`)
		p.waitEntity(t, "Account", b, `{"balance":100}`)
		var ids []string
		for i := 0; i < 6; i++ {
			in := fmt.Sprintf(`{"from":%q,"to":%q,"amount":%d}`, a, b, 10+i)
			if i%2 == 1 {
				in = fmt.Sprintf(`{"from":%q,"to":%q,"amount":%d}`, b, a, 10+i)
			}
			ids = append(ids, p.start(t, "TransferFunds", in).ID)
		}
		for _, id := range ids {
			if st := p.waitDone(t, id); st.RuntimeStatus != "Completed" || string(st.Output) != "true" {
				t.Fatalf("transfer %s: %s %s", id, st.RuntimeStatus, st.Output)
			}
		}
		// a pays 10+12+14 and gets 11+13+15: +3.
		p.waitEntity(t, "Account", a, `{"balance":103}`)
		p.waitEntity(t, "Account", b, `{"balance":97}`)
	})
}

func TestQueueAndEventHubFunctionsInvokedByHand(t *testing.T) {
	t.Parallel()
	p := startApp(t)
	tests := []struct {
		name, function, input, key, want string
	}{
		{"a queue message signals Counter", "CounterFromQueue", `{"key":"%s","amount":4}`, uniq("queue"), "4"},
		{"an Event Hub batch signals Counter once per event", "CounterFromEventHub",
			`[{"key":"%[1]s","amount":1},{"key":"%[1]s","amount":2},{"key":"%[1]s","amount":3}]`, uniq("hub"), "6"},
		{"a single Event Hub event is a batch of one", "CounterFromEventHub", `{"key":"%s","amount":7}`, uniq("hub1"), "7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body, _ := json.Marshal(map[string]string{"input": fmt.Sprintf(tt.input, tt.key)})
			r := p.do(t, http.MethodPost, "/admin/functions/"+tt.function, "application/json", body)
			expect(t, "invoke "+tt.function, r, http.StatusAccepted)
			p.waitEntity(t, "Counter", tt.key, tt.want)
		})
	}
}
