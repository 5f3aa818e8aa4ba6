package funcapp

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadAppReadsTheSampleApp(t *testing.T) {
	app, err := loadTestApp(t, filepath.Join("testdata", "app"))
	if err != nil {
		t.Fatalf("LoadApp: %v", err)
	}
	type fnWant struct {
		kind        Kind
		durableName string
		client      bool
	}
	want := map[string]fnWant{
		"Counter":             {KindEntity, "Counter", false},
		"CounterFromEventHub": {KindEventHub, "CounterFromEventHub", true},
		"CounterFromQueue":    {KindQueue, "CounterFromQueue", true},
		"DurableTaskApi":      {KindHTTP, "DurableTaskApi", true},
		"Hello":               {KindHTTP, "Hello", false},
		"HelloSequence":       {KindOrchestration, "HelloSequence", false},
		"HttpStart":           {KindHTTP, "HttpStart", true},
		"NightlyCleanup":      {KindTimer, "NightlyCleanup", false},
		"SayHello":            {KindActivity, "SayHello", false},
	}
	if len(app.Functions) != len(want) {
		t.Fatalf("got %d functions, want %d", len(app.Functions), len(want))
	}
	for i, f := range app.Functions {
		if i > 0 && app.Functions[i-1].Name >= f.Name {
			t.Errorf("functions are not sorted: %s before %s", app.Functions[i-1].Name, f.Name)
		}
		w, ok := want[f.Name]
		if !ok {
			t.Errorf("unexpected function %s", f.Name)
			continue
		}
		if f.Kind() != w.kind || f.DurableName() != w.durableName || (f.DurableClient() != nil) != w.client {
			t.Errorf("%s: kind %v name %q client %v; want %v %q %v", f.Name, f.Kind(), f.DurableName(), f.DurableClient() != nil, w.kind, w.durableName, w.client)
		}
		if f.Dir != filepath.Join(app.Dir, f.Name) {
			t.Errorf("%s: Dir = %s", f.Name, f.Dir)
		}
	}
	if app.Function("httpstart") == nil {
		t.Error("Function lookup is not case-insensitive")
	}
	if got := app.FunctionsOfKind(KindHTTP); len(got) != 3 {
		t.Errorf("FunctionsOfKind(HTTP) = %d functions, want 3", len(got))
	}
}

func TestBindingAccessorsExposeTypedProperties(t *testing.T) {
	app, err := loadTestApp(t, filepath.Join("testdata", "app"))
	if err != nil {
		t.Fatal(err)
	}
	start := app.Function("HttpStart").Trigger
	if start.Route() != "orchestrators/{functionName}" || !reflect.DeepEqual(start.Methods(), []string{"POST"}) || start.AuthLevel() != "anonymous" {
		t.Errorf("http trigger: route %q methods %v auth %q", start.Route(), start.Methods(), start.AuthLevel())
	}
	if !start.AllowsMethod("post") || start.AllowsMethod("GET") {
		t.Error("AllowsMethod does not follow methods")
	}
	api := app.Function("DurableTaskApi").Trigger
	if api.AuthLevel() != "function" || api.Methods() != nil || !api.AllowsMethod("DELETE") {
		t.Errorf("DurableTaskApi: auth %q methods %v", api.AuthLevel(), api.Methods())
	}
	q := app.Function("CounterFromQueue").Trigger
	if q.QueueName() != "counter-signals" || q.Connection() != "AzureWebJobsStorage" {
		t.Errorf("queue trigger: %q %q", q.QueueName(), q.Connection())
	}
	eh := app.Function("CounterFromEventHub").Trigger
	if eh.EventHubName() != "counter-events" || eh.Cardinality() != "many" || eh.ConsumerGroup() != "counters" {
		t.Errorf("event hub trigger: %q %q %q", eh.EventHubName(), eh.Cardinality(), eh.ConsumerGroup())
	}
	if !app.Function("CounterFromEventHub").Binding("client").IsDurableClient() {
		t.Error("orchestrationClient is not recognised as a durable client")
	}
	if s := app.Function("NightlyCleanup").Trigger.Schedule(); s != "0 0 3 * * *" {
		t.Errorf("timer schedule = %q", s)
	}
	hello := app.Function("Hello")
	if !hello.IsHTTPInAndOut() || app.Function("HttpStart").IsHTTPInAndOut() {
		t.Error("IsHTTPInAndOut is wrong")
	}
	if hello.HTTPOutput().Name != ReturnBindingName {
		t.Errorf("HTTPOutput = %+v", hello.HTTPOutput())
	}
	if got := len(app.Function("HttpStart").Inputs()); got != 2 {
		t.Errorf("HttpStart has %d inputs, want 2 (trigger and client)", got)
	}
}

func TestMatchHTTPPicksTheMostSpecificRoute(t *testing.T) {
	app, err := loadTestApp(t, filepath.Join("testdata", "app"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, wantFn string
		wantParams                 map[string]string
	}{
		{"a literal route with a parameter", "POST", "/api/orchestrators/HelloSequence", "HttpStart", map[string]string{"functionName": "HelloSequence"}},
		{"the wrong method finds nothing", "GET", "/api/orchestrators/HelloSequence", "", nil},
		{"a function without route is served at its name", "GET", "/api/hello", "Hello", map[string]string{}},
		{"a catch-all takes the rest of the path", "GET", "/api/durabletask/instances/abc", "DurableTaskApi", map[string]string{"path": "instances/abc"}},
		{"a catch-all may be empty", "GET", "/api/durabletask", "DurableTaskApi", map[string]string{}},
		{"paths outside the prefix find nothing", "GET", "/hello", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, params, ok := app.MatchHTTP(tt.method, tt.path)
			if tt.wantFn == "" {
				if ok {
					t.Fatalf("matched %s, want no match", f.Name)
				}
				return
			}
			if !ok || f.Name != tt.wantFn {
				t.Fatalf("got %v %v, want %s", f, ok, tt.wantFn)
			}
			if !reflect.DeepEqual(params, tt.wantParams) {
				t.Errorf("params = %v, want %v", params, tt.wantParams)
			}
		})
	}
}

func TestLoadAppReportsEveryProblemAtOnce(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name: "a function without a trigger",
			files: map[string]string{"host.json": minimalHost,
				"NoTrigger/function.json": `{"bindings":[{"type":"durableClient","direction":"in","name":"client"}]}`},
			want: []string{"NoTrigger/function.json: has no trigger; add exactly one binding"},
		},
		{
			name: "a function with two triggers",
			files: map[string]string{"host.json": minimalHost,
				"Two/function.json": `{"bindings":[{"type":"queueTrigger","name":"a","queueName":"q"},{"type":"timerTrigger","name":"b","schedule":"* * * * * *"}]}`},
			want: []string{"Two/function.json: has 2 triggers (queueTrigger, timerTrigger)"},
		},
		{
			name: "a misspelled durable trigger",
			files: map[string]string{"host.json": minimalHost,
				"Orch/function.json": `{"bindings":[{"type":"orchestratorTrigger","direction":"in","name":"context"}]}`},
			want: []string{`Orch/function.json: bindings[0]: unknown binding type "orchestratorTrigger"; did you mean "orchestrationTrigger"?`},
		},
		{
			name: "a durable client under a made-up name",
			files: map[string]string{"host.json": minimalHost,
				"Start/function.json": `{"bindings":[{"type":"httpTrigger","name":"req"},{"type":"durableOrchestrationClient","name":"c"}]}`},
			want: []string{`unknown binding type "durableOrchestrationClient"; did you mean "durableClient"?`},
		},
		{
			name: "a typo one letter away",
			files: map[string]string{"host.json": minimalHost,
				"Act/function.json": `{"bindings":[{"type":"activityTriger","name":"input"}]}`},
			want: []string{`did you mean "activityTrigger"?`},
		},
		{
			name: "problems in several functions and host.json together",
			files: map[string]string{
				"host.json":               `{"version":"2.0","extensions":{"durableTask":{"storageProvider":{"partitionCount":40}}}}`,
				"A/function.json":         `{"bindings":[]}`,
				"B/function.json":         `{"bindings":[{"type":"queueTrigger","name":"m"}]}`,
				"C/function.json":         `{not json`,
				"D/function.json":         `{"bindings":[{"type":"httpTrigger","name":"req","route":"runtime/webhooks/x"}]}`,
				"E/function.json":         `{"bindings":[{"type":"eventHubTrigger","name":"e","eventHubName":"h","cardinality":"several"}]}`,
				"F/function.json":         `{"bindings":[{"type":"httpTrigger","name":"req","route":"items/{id"}]}`,
				"G/function.json":         `{"bindings":[{"type":"activityTrigger","name":"x"},{"type":"queue","direction":"sideways","name":"x"}]}`,
				"H/function.json":         `{"bindings":[{"direction":"in","name":"nothing"}]}`,
				"not-a-function/notes.md": "ignored",
			},
			want: []string{
				"host.json: extensions.durableTask.storageProvider.partitionCount: must be between 1 and 16, got 40",
				"A/function.json: has no trigger",
				"B/function.json: bindings[0] (queueTrigger): queueName is required",
				"C/function.json:1:2: invalid JSON",
				`D/function.json: bindings[0] (httpTrigger): route "runtime/webhooks/x" conflicts`,
				`E/function.json: bindings[0] (eventHubTrigger): cardinality "several" is invalid`,
				`F/function.json: bindings[0] (httpTrigger): invalid route: route "items/{id": segment "{id": unclosed '{'`,
				`G/function.json: bindings[1]: more than one binding is named "x"`,
				`G/function.json: bindings[1] (queue): direction "sideways" is invalid`,
				`H/function.json: bindings[0]: has no "type"`,
			},
		},
		{
			name: "two orchestrators registered under the same name",
			files: map[string]string{"host.json": minimalHost,
				"One/function.json": `{"bindings":[{"type":"orchestrationTrigger","name":"c","orchestration":"Same"}]}`,
				"Two/function.json": `{"bindings":[{"type":"orchestrationTrigger","name":"c","orchestration":"same"}]}`},
			want: []string{`Two/function.json: orchestration name "same" is already used by function One`},
		},
		{
			name:  "a missing host.json",
			files: map[string]string{"F/function.json": `{"bindings":[{"type":"activityTrigger","name":"x"}]}`},
			want:  []string{"host.json: not found in"},
		},
		{
			name: "a durable trigger with a $return binding",
			files: map[string]string{"host.json": minimalHost,
				"Act/function.json": `{"bindings":[{"type":"activityTrigger","name":"x"},{"type":"http","direction":"out","name":"$return"}]}`},
			want: []string{`Act/function.json: declares a "$return" binding, which durable triggers must not have`},
		},
		{
			name: "an invalid binding name",
			files: map[string]string{"host.json": minimalHost,
				"F/function.json": `{"bindings":[{"type":"activityTrigger","name":"my-input"}]}`},
			want: []string{`bindings[0] name "my-input" is invalid`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadTestApp(t, writeApp(t, tt.files))
			var ae *AppError
			if !errors.As(err, &ae) {
				t.Fatalf("got %v (%T), want *AppError", err, err)
			}
			mustContainAll(t, err, tt.want...)
			if len(ae.Problems) < len(tt.want) {
				t.Errorf("got %d problems, want at least %d", len(ae.Problems), len(tt.want))
			}
			if strings.Count(err.Error(), "\n") != len(ae.Problems)-1 {
				t.Errorf("Error() is not one problem per line:\n%s", err)
			}
		})
	}
}

func TestLoadAppAppliesFunctionFilterAndDisabledSettings(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"host.json":       `{"version":"2.0","functions":["A","B"]}`,
		"A/function.json": `{"bindings":[{"type":"activityTrigger","name":"x"}]}`,
		"B/function.json": `{"disabled":true,"bindings":[{"type":"activityTrigger","name":"x"}]}`,
		"C/function.json": `{"bindings":[{"type":"activityTrigger","name":"x"}]}`,
	})
	app, err := loadTestApp(t, dir, "AzureWebJobs.A.Disabled=true")
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Functions) != 2 || app.Function("C") != nil {
		t.Fatalf("host.json functions filter not applied: %d functions", len(app.Functions))
	}
	if !app.Function("A").Disabled || !app.Function("B").Disabled {
		t.Error("disabled flags not applied")
	}
	if len(app.FunctionsOfKind(KindActivity)) != 0 {
		t.Error("FunctionsOfKind returns disabled functions")
	}
}
