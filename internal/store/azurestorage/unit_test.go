package azurestorage

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/internal/history"
)

func TestPartitionIndexVectors(t *testing.T) {
	for _, tc := range []struct {
		id    string
		n, at int
	}{
		{"abc", 4, 3}, {"abc", 16, 11},
		{"@counter@steps", 4, 2},
		{"34ce9a28a6834d8492ce6a295f1a80e2", 4, 1},
	} {
		if got := PartitionIndex(tc.id, tc.n); got != tc.at {
			t.Errorf("PartitionIndex(%q, %d) = %d, want %d", tc.id, tc.n, got, tc.at)
		}
	}
	// Raw hashes from the spec.
	h := func(s string) uint32 {
		x := uint32(2166136261)
		for _, b := range []byte(s) {
			x ^= uint32(b)
			x *= 16777619
		}
		return x
	}
	for id, want := range map[string]uint32{"abc": 440920331, "@counter@steps": 521246646, "34ce9a28a6834d8492ce6a295f1a80e2": 2510071281} {
		if got := h(id); got != want {
			t.Errorf("fnv1a(%q) = %d, want %d", id, got, want)
		}
		if PartitionIndex(id, 16) != int(want%16) {
			t.Errorf("PartitionIndex(%q,16) disagrees with the reference hash", id)
		}
	}
}

func TestNames(t *testing.T) {
	if got := ControlQueueName("MyHub", 3); got != "myhub-control-03" {
		t.Errorf("control queue = %q", got)
	}
	if WorkItemQueueName("MyHub") != "myhub-workitems" || HistoryTableName("MyHub") != "MyHubHistory" ||
		InstancesTableName("MyHub") != "MyHubInstances" || LeasesContainerName("MyHub") != "myhub-leases" ||
		LargeMessagesContainerName("MyHub") != "myhub-largemessages" {
		t.Error("resource names differ from the provider's")
	}
	for _, ok := range []string{"abc", "TestHubName", "a" + strings.Repeat("b", 44)} {
		if err := ValidateHubName(ok); err != nil {
			t.Errorf("ValidateHubName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ab", "1abc", "my-hub", "my_hub", "a" + strings.Repeat("b", 45), "hüb"} {
		if ValidateHubName(bad) == nil {
			t.Errorf("ValidateHubName(%q) accepted", bad)
		}
	}
}

func TestEscapeKey(t *testing.T) {
	for in, want := range map[string]string{
		"plain":      "plain",
		"a^b":        "a^^b",
		"a/b\\c#d?":  "a^0b^1c^2d^3",
		"x\x01y":     "x^\u00c1y",
		"z\x7f":      "z^\u013f",
		"@counter@k": "@counter@k",
	} {
		got := EscapeKey(in)
		if got != want {
			t.Errorf("EscapeKey(%q) = %q, want %q", in, got, want)
		}
		if back := UnescapeKey(got); back != in {
			t.Errorf("UnescapeKey(%q) = %q, want %q", got, back, in)
		}
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)
	env := &envelope{ID: newID(), InstanceID: "i", ExecutionID: "e", VisibleAt: ts, Event: history.NewTaskCompleted(ts, 3, `"r"`)}
	text, blob, _, err := encodeEnvelope(env)
	if err != nil || blob != "" {
		t.Fatalf("encode: %v %q", err, blob)
	}
	got, err := decodeEnvelope(text)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != env.ID || got.Event.TaskScheduledID != 3 || got.Event.Result != `"r"` || !got.VisibleAt.Equal(ts) {
		t.Fatalf("round trip = %+v", got)
	}
	// Base64 bodies (other queue clients) are accepted.
	if _, err := decodeEnvelope(b64(text)); err != nil {
		t.Fatalf("base64 body: %v", err)
	}
	for _, bad := range []string{"", "{", `{"v":2,"instanceId":"i","event":{}}`, `{"v":1,"event":{"EventType":0}}`, "!!!"} {
		if _, err := decodeEnvelope(bad); err == nil {
			t.Errorf("decodeEnvelope(%q) succeeded", bad)
		}
	}
}

func TestLargeEnvelope(t *testing.T) {
	big := `"` + strings.Repeat("x", maxQueueMessageBytes) + `"`
	env := &envelope{ID: "abc", InstanceID: "in/st", Event: history.NewEventRaised(time.Now(), "e", big)}
	text, blob, gz, err := encodeEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	if blob != "in^0st/message-abc-EventRaised.json.gz" || len(text) > 1024 || len(gz) == 0 {
		t.Fatalf("stub %q blob %q (%d bytes gz)", text, blob, len(gz))
	}
	stub, err := decodeEnvelope(text)
	if err != nil || stub.Blob != blob || stub.Event != nil {
		t.Fatalf("stub decode: %+v %v", stub, err)
	}
	full, err := decodeLarge(gz)
	if err != nil || full.Event.Input != big {
		t.Fatalf("large decode: %v", err)
	}
	// Just under the threshold stays inline.
	env.Event.Input = `"` + strings.Repeat("x", maxQueueMessageBytes-400) + `"`
	if _, blob, _, _ := encodeEnvelope(env); blob != "" {
		t.Fatal("an envelope under 45 KiB was offloaded")
	}
}

func TestTablePropertyThreshold(t *testing.T) {
	if tooLargeForTable(strings.Repeat("a", 30*1024)) {
		t.Error("30 Ki ASCII chars (60 KiB UTF-16) must stay inline")
	}
	if !tooLargeForTable(strings.Repeat("a", 30*1024+1)) {
		t.Error("30 Ki + 1 ASCII chars must be offloaded")
	}
	// Non-BMP runes take two UTF-16 units.
	if !tooLargeForTable(strings.Repeat("😀", 15*1024+1)) {
		t.Error("surrogate pairs are measured as two units")
	}
	if tooLargeForTable(strings.Repeat("é", 30*1024)) {
		t.Error("a 2-byte UTF-8 rune is one UTF-16 unit")
	}
}

func TestEventEntityRoundTrip(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	at := ts.Add(time.Hour)
	events := []*history.Event{
		history.NewExecutionStarted(ts, "Orch", "i", "e", `{"a":1}`, &history.ParentInstance{Name: "P", TaskScheduleID: 2, OrchestrationInstance: &history.OrchestrationInstance{InstanceID: "p", ExecutionID: "pe"}}, &at),
		history.NewTaskScheduled(ts, 0, "Act", `"x"`),
		history.NewTaskFailed(ts, 0, &history.FailureDetails{ErrorType: "E", ErrorMessage: "boom", InnerFailure: &history.FailureDetails{ErrorMessage: "inner"}}),
		history.NewTimerCreated(ts, 1, at),
		history.NewTimerFired(ts, 1, at),
		history.NewExecutionCompleted(ts, history.StatusFailed, "", &history.FailureDetails{ErrorMessage: "x"}),
		history.NewEventSent(ts, 4, "@c@k", "op", `{}`),
		history.NewGenericEvent(ts, "d"),
	}
	for _, e := range events {
		m, err := eventToEntity(e)
		if err != nil {
			t.Fatal(err)
		}
		if m["EventType"] != e.EventType.String() || m["_Timestamp@odata.type"] != edmDateTime {
			t.Errorf("%v: columns %v", e.EventType, m)
		}
		if e.FailureDetails != nil {
			if _, ok := m["FailureDetails"].(string); !ok {
				t.Errorf("%v: FailureDetails is not a JSON string column", e.EventType)
			}
		}
		back, err := entityToEvent(m)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := e.MarshalJSON()
		b, _ := back.MarshalJSON()
		if string(a) != string(b) {
			t.Errorf("round trip:\n got %s\nwant %s", b, a)
		}
	}
	if m, _ := eventToEntity(events[5]); m["OrchestrationStatus"] != "Failed" {
		t.Errorf("OrchestrationStatus column = %v, want the name", m["OrchestrationStatus"])
	}
}

func TestConnectionStrings(t *testing.T) {
	q, tb, b, err := ParseConnectionString("UseDevelopmentStorage=true")
	if err != nil || q != "http://127.0.0.1:10001/devstoreaccount1" || tb != "http://127.0.0.1:10002/devstoreaccount1" || b != "http://127.0.0.1:10000/devstoreaccount1" {
		t.Fatalf("dev storage = %q %q %q %v", q, tb, b, err)
	}
	q, tb, b, err = ParseConnectionString("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn")
	if err != nil || q != "https://acct.queue.core.chinacloudapi.cn" || tb != "https://acct.table.core.chinacloudapi.cn" || b != "https://acct.blob.core.chinacloudapi.cn" {
		t.Fatalf("account = %q %q %q %v", q, tb, b, err)
	}
	q, _, _, err = ParseConnectionString("AccountName=acct;AccountKey=a2V5;QueueEndpoint=http://localhost:9/acct/")
	if err != nil || q != "http://localhost:9/acct" {
		t.Fatalf("explicit endpoint = %q %v", q, err)
	}
	if _, _, _, err := ParseConnectionString("BlobEndpoint=https://x;QueueEndpoint=https://y;TableEndpoint=https://z;SharedAccessSignature=sv=1&sig=2"); err != nil {
		t.Fatalf("SAS: %v", err)
	}
	for _, bad := range []string{"garbage", "AccountName=a", "AccountKey=k", "AccountName=a;AccountKey=k;QueueEndpoint=::bad"} {
		if _, _, _, err := ParseConnectionString(bad); err == nil {
			t.Errorf("ParseConnectionString(%q) succeeded", bad)
		}
	}
}

func TestConnectionFromSettings(t *testing.T) {
	env := map[string]string{
		"AzureWebJobsStorage":  "UseDevelopmentStorage=true",
		"Id__accountName":      "acct",
		"Id__credential":       "managedidentity",
		"Id__clientId":         "cid",
		"Uris:queueServiceUri": "https://q.example/",
		"Uris:tableServiceUri": "https://t.example",
		"Uris:blobServiceUri":  "https://b.example",
	}
	get := func(k string) string { return env[k] }
	c, err := ConnectionFromSettings("", get)
	if err != nil || c.ConnectionString != "UseDevelopmentStorage=true" {
		t.Fatalf("default name: %+v %v", c, err)
	}
	c, err = ConnectionFromSettings("Id", get)
	if err != nil || c.AccountName != "acct" || c.Credential != "managedidentity" || c.ClientID != "cid" {
		t.Fatalf("identity: %+v %v", c, err)
	}
	ep, err := c.endpoints()
	if err != nil || ep.queue != "https://acct.queue.core.windows.net" || !ep.identity {
		t.Fatalf("identity endpoints: %+v %v", ep, err)
	}
	c, err = ConnectionFromSettings("Uris", get)
	if err != nil {
		t.Fatal(err)
	}
	if ep, _ := c.endpoints(); ep.queue != "https://q.example" || ep.table != "https://t.example" {
		t.Fatalf("uri endpoints: %+v", ep)
	}
	if _, err := ConnectionFromSettings("Missing", get); err == nil || !strings.Contains(err.Error(), "Missing__accountName") {
		t.Fatalf("missing setting error = %v", err)
	}
}

func TestClassify(t *testing.T) {
	req := func(method, u string) *http.Request { r, _ := http.NewRequest(method, u, nil); return r }
	for _, tc := range []struct{ svc, method, url, want string }{
		{"queue", "POST", "http://h/acct/q/messages", "enqueue"},
		{"queue", "GET", "http://h/acct/q/messages?numofmessages=32", "dequeue"},
		{"queue", "DELETE", "http://h/acct/q/messages/id?popreceipt=x", "delete"},
		{"queue", "PUT", "http://h/acct/q/messages/id?popreceipt=x&visibilitytimeout=0", "update"},
		{"queue", "PUT", "http://h/acct/q", "admin"},
		{"table", "GET", "http://h/acct/HubHistory()?$filter=x", "read"},
		{"table", "POST", "http://h/acct/$batch", "batch"},
		{"table", "PUT", "http://h/acct/HubInstances(PartitionKey='a',RowKey='')", "write"},
		{"table", "POST", "http://h/acct/Tables", "admin"},
		{"blob", "PUT", "http://h/acct/c/b?comp=lease", "lease"},
		{"blob", "GET", "http://h/acct/c?restype=container&comp=list", "list"},
		{"blob", "GET", "http://h/acct/c/b", "read"},
		{"blob", "PUT", "http://h/acct/c/b", "write"},
	} {
		if got := classify(tc.svc, req(tc.method, tc.url)); got != tc.want {
			t.Errorf("classify(%s %s %s) = %s, want %s", tc.svc, tc.method, tc.url, got, tc.want)
		}
	}
}

func TestRetryBackoff(t *testing.T) {
	if retryBackoff(1) != 2*time.Second || retryBackoff(5) != 32*time.Second || retryBackoff(10) != 600*time.Second || retryBackoff(100) != 600*time.Second {
		t.Error("retryBackoff is not min(2^n, 600) s")
	}
	b := backoff{max: time.Second}
	for i := 0; i < 20; i++ {
		if d := b.next(); d > 1200*time.Millisecond || d < 40*time.Millisecond {
			t.Fatalf("poll delay %v out of range", d)
		}
	}
	if visibilitySeconds(10*24*time.Hour) != int32(6*24*3600) {
		t.Error("queue delays must be capped at 6 days")
	}
}

func b64(s string) string { return base64StdEncode([]byte(s)) }
