package funcapp

import (
	"encoding/json"
	"sort"
	"strings"
)

// Binding types this runtime understands. Comparisons are case-insensitive.
const (
	TypeHTTPTrigger          = "httpTrigger"
	TypeHTTP                 = "http"
	TypeQueueTrigger         = "queueTrigger"
	TypeQueue                = "queue"
	TypeEventHubTrigger      = "eventHubTrigger"
	TypeEventHub             = "eventHub"
	TypeTimerTrigger         = "timerTrigger"
	TypeOrchestrationTrigger = "orchestrationTrigger"
	TypeActivityTrigger      = "activityTrigger"
	TypeEntityTrigger        = "entityTrigger"
	TypeDurableClient        = "durableClient"
	// TypeOrchestrationClient is the Durable Functions 1.x name of
	// durableClient, still accepted.
	TypeOrchestrationClient = "orchestrationClient"
)

// Binding directions.
const (
	DirectionIn    = "in"
	DirectionOut   = "out"
	DirectionInOut = "inout"
)

// ReturnBindingName is the name of an output binding that receives the
// function's return value.
const ReturnBindingName = "$return"

// Kind classifies a function by its trigger.
type Kind int

// Function kinds.
const (
	KindOther Kind = iota
	KindHTTP
	KindQueue
	KindEventHub
	KindTimer
	KindOrchestration
	KindActivity
	KindEntity
)

var kindNames = [...]string{"other", "http", "queue", "eventHub", "timer", "orchestration", "activity", "entity"}

// String returns a short lower-camel name such as "orchestration".
func (k Kind) String() string {
	if int(k) < len(kindNames) && k >= 0 {
		return kindNames[k]
	}
	return "other"
}

// IsDurable reports whether the kind is run by the durable engine.
func (k Kind) IsDurable() bool {
	return k == KindOrchestration || k == KindActivity || k == KindEntity
}

var triggerKinds = map[string]Kind{
	"httptrigger":          KindHTTP,
	"queuetrigger":         KindQueue,
	"eventhubtrigger":      KindEventHub,
	"timertrigger":         KindTimer,
	"orchestrationtrigger": KindOrchestration,
	"activitytrigger":      KindActivity,
	"entitytrigger":        KindEntity,
}

// Function is one function of the app: a folder holding a function.json.
type Function struct {
	// Name is the folder name, which is the function name.
	Name string
	// Dir is the absolute path of the folder.
	Dir string
	// Bindings are the bindings in function.json order.
	Bindings []*Binding
	// Trigger is the single trigger binding (nil only if validation failed).
	Trigger *Binding
	// Disabled is set by "disabled": true in function.json or by the app
	// setting AzureWebJobs.<Name>.Disabled=true.
	Disabled bool
}

// Kind classifies the function by its trigger.
func (f *Function) Kind() Kind {
	if f == nil || f.Trigger == nil {
		return KindOther
	}
	return f.Trigger.Kind()
}

// DurableName is the name under which an orchestration, activity or
// entity function is registered: the trigger's orchestration, activity or
// entityName property when set, otherwise the function name.
func (f *Function) DurableName() string {
	if f.Trigger != nil {
		if n := f.Trigger.DurableName(); n != "" {
			return n
		}
	}
	return f.Name
}

// DurableClient returns the function's durableClient binding, or nil.
func (f *Function) DurableClient() *Binding {
	for _, b := range f.Bindings {
		if b.IsDurableClient() {
			return b
		}
	}
	return nil
}

// Binding returns the binding with the given name (case-insensitive), or nil.
func (f *Function) Binding(name string) *Binding {
	for _, b := range f.Bindings {
		if strings.EqualFold(b.Name, name) {
			return b
		}
	}
	return nil
}

// Inputs returns the bindings whose value the host puts in the invocation
// request's Data: the trigger and input bindings.
func (f *Function) Inputs() []*Binding {
	var out []*Binding
	for _, b := range f.Bindings {
		if b.Direction != DirectionOut {
			out = append(out, b)
		}
	}
	return out
}

// Outputs returns the output bindings, including $return.
func (f *Function) Outputs() []*Binding {
	var out []*Binding
	for _, b := range f.Bindings {
		if b.Direction != DirectionIn {
			out = append(out, b)
		}
	}
	return out
}

// HTTPOutput returns the function's http output binding, or nil.
func (f *Function) HTTPOutput() *Binding {
	for _, b := range f.Bindings {
		if b.Direction != DirectionIn && b.Is(TypeHTTP) {
			return b
		}
	}
	return nil
}

// IsHTTPInAndOut reports whether the function has exactly an HTTP trigger
// and an HTTP output, the only shape the host forwards as a plain HTTP
// request when customHandler.enableForwardingHttpRequest is on.
func (f *Function) IsHTTPInAndOut() bool {
	return len(f.Bindings) == 2 && f.Kind() == KindHTTP && f.HTTPOutput() != nil
}

// Binding is one entry of a function.json bindings array.
type Binding struct {
	// Type is the binding type as written, such as "queueTrigger".
	Type string
	// Direction is "in", "out" or "inout" (lower-cased; "in" when omitted).
	Direction string
	// Name is the binding name: the key of its value in Data or Outputs.
	Name string
	// DataType is the optional dataType property ("string", "binary", "stream").
	DataType string

	props map[string]json.RawMessage
}

// Is reports whether the binding has the given type, ignoring case.
func (b *Binding) Is(typ string) bool { return strings.EqualFold(b.Type, typ) }

// IsTrigger reports whether the binding is a trigger (its type ends in
// "Trigger", as the host decides).
func (b *Binding) IsTrigger() bool {
	return len(b.Type) > len("trigger") && strings.HasSuffix(strings.ToLower(b.Type), "trigger")
}

// IsDurableClient reports whether the binding is a durable client binding
// (durableClient or its older name orchestrationClient).
func (b *Binding) IsDurableClient() bool {
	return b.Is(TypeDurableClient) || b.Is(TypeOrchestrationClient)
}

// Kind classifies a trigger binding; non-triggers are KindOther.
func (b *Binding) Kind() Kind {
	return triggerKinds[strings.ToLower(b.Type)]
}

// Property returns a property's raw JSON value, looked up
// case-insensitively.
func (b *Binding) Property(key string) (json.RawMessage, bool) {
	if v, ok := b.props[key]; ok {
		return v, true
	}
	for k, v := range b.props {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// String returns a string property, or "" when it is absent or not a
// string.
func (b *Binding) String(key string) string {
	raw, ok := b.Property(key)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// PropertyNames returns the names of all properties, sorted.
func (b *Binding) PropertyNames() []string {
	out := make([]string, 0, len(b.props))
	for k := range b.props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Route is an HTTP trigger's route template; "" means the function name.
func (b *Binding) Route() string { return b.String("route") }

// Methods are an HTTP trigger's allowed methods, upper-cased; nil means
// all methods.
func (b *Binding) Methods() []string {
	raw, ok := b.Property("methods")
	if !ok {
		return nil
	}
	var ms []string
	if json.Unmarshal(raw, &ms) != nil {
		return nil
	}
	for i := range ms {
		ms[i] = strings.ToUpper(strings.TrimSpace(ms[i]))
	}
	return ms
}

// AllowsMethod reports whether an HTTP trigger accepts the method.
func (b *Binding) AllowsMethod(method string) bool {
	ms := b.Methods()
	if len(ms) == 0 {
		return true
	}
	for _, m := range ms {
		if strings.EqualFold(m, method) {
			return true
		}
	}
	return false
}

// AuthLevel is an HTTP trigger's authLevel, lower-cased; "function" when
// omitted, as in the host.
func (b *Binding) AuthLevel() string {
	if l := b.String("authLevel"); l != "" {
		return strings.ToLower(l)
	}
	return "function"
}

// QueueName is a queue binding's queueName.
func (b *Binding) QueueName() string { return b.String("queueName") }

// Connection is the connection app setting name of a queue, Event Hub or
// other connected binding.
func (b *Binding) Connection() string { return b.String("connection") }

// EventHubName is an Event Hub binding's eventHubName (older function.json
// files use "path").
func (b *Binding) EventHubName() string {
	if n := b.String("eventHubName"); n != "" {
		return n
	}
	return b.String("path")
}

// Cardinality is an Event Hub trigger's cardinality, lower-cased: "many"
// delivers batches, "one" (the default) single events.
func (b *Binding) Cardinality() string {
	if c := b.String("cardinality"); c != "" {
		return strings.ToLower(c)
	}
	return "one"
}

// ConsumerGroup is an Event Hub trigger's consumerGroup ("$Default" when
// omitted).
func (b *Binding) ConsumerGroup() string {
	if g := b.String("consumerGroup"); g != "" {
		return g
	}
	return "$Default"
}

// Schedule is a timer trigger's NCRONTAB expression (or TimeSpan).
func (b *Binding) Schedule() string { return b.String("schedule") }

// DurableName is the explicit name property of a durable trigger
// (orchestration, activity or entityName), or "".
func (b *Binding) DurableName() string {
	switch b.Kind() {
	case KindOrchestration:
		return b.String("orchestration")
	case KindActivity:
		return b.String("activity")
	case KindEntity:
		return b.String("entityName")
	}
	return ""
}
