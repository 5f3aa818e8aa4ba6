package functemplates

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"text/template"
)

//go:embed templates/*.json.tmpl
var files embed.FS

// Kind describes one template.
type Kind struct {
	Name        string
	Description string
	// Registration is the Go line that registers the function, one line
	// per Go shape the function can have, each with that shape in a comment.
	Registration string
	// Defaults are the template parameters a caller may override.
	Defaults map[string]string
}

// Kinds lists the templates by name.
var Kinds = map[string]Kind{
	"orchestrator": {Name: "orchestrator", Description: "an orchestrator function (orchestrationTrigger)", Registration: "app.Orchestrator(\"{{.Name}}\", {{.Name}})                         // func {{.Name}}(ctx *durable.OrchestrationContext) (any, error)\n" +
		"app.Orchestrator(\"{{.Name}}\", durable.OrchestratorOf({{.Name}})) // func {{.Name}}(ctx *durable.OrchestrationContext, in In) (Out, error)\n" +
		"app.Register({{.Name}})                                           // var {{.Name}} = durable.NewOrchestrator(\"{{.Name}}\", fn): a typed handle"},
	"activity": {Name: "activity", Description: "an activity function (activityTrigger)", Registration: "app.Activity(\"{{.Name}}\", {{.Name}})                     // func {{.Name}}(ctx *durable.ActivityContext) (any, error)\n" +
		"app.Activity(\"{{.Name}}\", durable.ActivityOf({{.Name}})) // func {{.Name}}(ctx context.Context, in In) (Out, error)\n" +
		"app.Register({{.Name}})                                 // var {{.Name}} = durable.NewActivity(\"{{.Name}}\", fn): a typed handle"},
	"entity": {Name: "entity", Description: "an entity function (entityTrigger)", Registration: "app.Entity(\"{{.Name}}\", {{.Name}})                     // func {{.Name}}(ctx *durable.EntityContext) error\n" +
		"app.Entity(\"{{.Name}}\", durable.EntityOf[{{.Name}}]()) // type {{.Name}} struct{...}: one exported method per operation"},
	"http":           {Name: "http", Description: "an HTTP starter with a durableClient binding", Registration: `app.HTTP("{{.Name}}", {{.Name}})`, Defaults: map[string]string{"Route": "orchestrators/{functionName}", "Methods": `"post"`}},
	"queue":          {Name: "queue", Description: "a queue-triggered starter with a durableClient binding", Registration: `app.Queue("{{.Name}}", {{.Name}})`, Defaults: map[string]string{"Queue": "durable-starts", "Connection": "AzureWebJobsStorage"}},
	"eventhub":       {Name: "eventhub", Description: "an Event Hubs-triggered starter (cardinality many) with a durableClient binding", Registration: `app.EventHub("{{.Name}}", {{.Name}})`, Defaults: map[string]string{"EventHub": "durable-events", "Connection": "EventHubConnection"}},
	"timer":          {Name: "timer", Description: "a timer-triggered starter with a durableClient binding", Registration: `app.Timer("{{.Name}}", {{.Name}})`, Defaults: map[string]string{"Schedule": "0 */5 * * * *"}},
	"management-api": {Name: "management-api", Description: "the Durable Functions management API behind the host (/api/durabletask/...); served by the handler itself", Registration: "// nothing to register: the handler serves it"},
	"wake":           {Name: "wake", Description: "the keep-alive timer that wakes a consumption-plan app for pending durable work; served by the handler itself", Registration: "// nothing to register: the handler serves it", Defaults: map[string]string{"Schedule": "0 */1 * * * *"}},
}

// Names returns the template names in order.
func Names() []string {
	out := make([]string, 0, len(Kinds))
	for k := range Kinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Render returns the function.json for kind with name and params, and the
// Go registration line.
func Render(kind, name string, params map[string]string) (functionJSON []byte, registration string, err error) {
	k, ok := Kinds[kind]
	if !ok {
		return nil, "", fmt.Errorf("unknown kind %q (want one of %s)", kind, strings.Join(Names(), ", "))
	}
	data := map[string]string{"Name": name}
	for key, v := range k.Defaults {
		data[key] = v
	}
	for key, v := range params {
		if v != "" {
			data[key] = v
		}
	}
	tmpl, err := template.ParseFS(files, "templates/"+kind+".json.tmpl")
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, "", err
	}
	reg, err := template.New("reg").Parse(k.Registration)
	if err != nil {
		return nil, "", err
	}
	var line bytes.Buffer
	if err := reg.Execute(&line, data); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), line.String(), nil
}
