package funcapp

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	functionNamePattern = regexp.MustCompile(`(?i)^[a-z][a-z0-9_\-]{0,127}$`)
	bindingNamePattern  = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9]{0,127}|\$return)$`)
)

// knownTypes are the binding types a misspelling is compared against.
var knownTypes = []string{
	TypeHTTPTrigger, TypeHTTP, TypeQueueTrigger, TypeQueue, TypeEventHubTrigger, TypeEventHub,
	TypeTimerTrigger, TypeOrchestrationTrigger, TypeActivityTrigger, TypeEntityTrigger,
	TypeDurableClient, TypeOrchestrationClient,
}

// knownMistakes are wrong names seen in the wild and what they mean.
var knownMistakes = map[string]string{
	"durableorchestrationclient":  TypeDurableClient,
	"durableentityclient":         TypeDurableClient,
	"orchestratortrigger":         TypeOrchestrationTrigger,
	"orchestratorclient":          TypeDurableClient,
	"durableorchestrationtrigger": TypeOrchestrationTrigger,
	"durableactivitytrigger":      TypeActivityTrigger,
	"durableentitytrigger":        TypeEntityTrigger,
}

// validateApp checks every function and the app as a whole, and returns
// the problems found.
func validateApp(app *App) []string {
	var out []string
	durableNames := map[string]string{} // kind/lower(name) -> function
	for _, f := range app.Functions {
		out = append(out, validateFunction(app, f)...)
		if k := f.Kind(); k.IsDurable() {
			key := k.String() + "/" + strings.ToLower(f.DurableName())
			if other, dup := durableNames[key]; dup {
				out = append(out, fmt.Sprintf("%s/%s: %s name %q is already used by function %s; give one of them a different name",
					f.Name, FunctionFile, k, f.DurableName(), other))
				continue
			}
			durableNames[key] = f.Name
		}
	}
	return out
}

func validateFunction(app *App, f *Function) []string {
	display := f.Name + "/" + FunctionFile
	var out []string
	add := func(format string, args ...any) {
		out = append(out, display+": "+fmt.Sprintf(format, args...))
	}
	if !functionNamePattern.MatchString(f.Name) {
		add("folder name %q is not a valid function name; use a letter followed by letters, digits, '_' or '-' (at most 128)", f.Name)
	}
	names := map[string]bool{}
	var triggers []string
	misspelledTrigger := false
	for i, b := range f.Bindings {
		switch {
		case b.Name == "":
			add("bindings[%d] (%s) has no \"name\"; add one, it is the key of the value in the invocation", i, b.Type)
		case !bindingNamePattern.MatchString(b.Name):
			add("bindings[%d] name %q is invalid; use a letter followed by letters and digits, or \"$return\"", i, b.Name)
		case names[strings.ToLower(b.Name)]:
			add("bindings[%d]: more than one binding is named %q; binding names must be unique", i, b.Name)
		}
		names[strings.ToLower(b.Name)] = true
		switch b.Direction {
		case DirectionIn, DirectionOut, DirectionInOut:
		default:
			add("bindings[%d] (%s): direction %q is invalid; use \"in\" or \"out\"", i, b.Type, b.Direction)
		}
		if want, ok := suggestType(b.Type); ok {
			add("bindings[%d]: unknown binding type %q; did you mean %q?", i, b.Type, want)
			if strings.HasSuffix(strings.ToLower(want), "trigger") {
				misspelledTrigger = true
			}
		}
		if b.IsTrigger() {
			triggers = append(triggers, b.Type)
			if b.Direction != DirectionIn {
				add("bindings[%d]: trigger %s must have direction \"in\"", i, b.Type)
			}
		}
		if b.IsDurableClient() && b.Direction != DirectionIn {
			add("bindings[%d]: %s must have direction \"in\"", i, b.Type)
		}
		out = append(out, prefixAll(display+": "+fmt.Sprintf("bindings[%d] (%s): ", i, b.Type), validateBinding(b))...)
	}
	if f.Kind().IsDurable() && f.Binding(ReturnBindingName) != nil {
		add("declares a %q binding, which durable triggers must not have: the host would base64-decode the result; remove it, the return value is delivered without it", ReturnBindingName)
	}
	switch {
	case len(triggers) == 0 && !misspelledTrigger:
		add("has no trigger; add exactly one binding whose type ends in \"Trigger\" (httpTrigger, queueTrigger, eventHubTrigger, timerTrigger, orchestrationTrigger, activityTrigger or entityTrigger)")
	case len(triggers) > 1:
		add("has %d triggers (%s); a function has exactly one trigger, so move the others to their own functions",
			len(triggers), strings.Join(triggers, ", "))
	}
	return out
}

// validateBinding checks the properties of the binding types this runtime
// serves itself.
func validateBinding(b *Binding) []string {
	var out []string
	switch b.Kind() {
	case KindHTTP:
		route := b.Route()
		if _, err := CompileRoute(route); route != "" && err != nil {
			out = append(out, fmt.Sprintf("invalid route: %v", err))
		}
		// The host rejects these whatever the route prefix is.
		first, _, _ := strings.Cut(strings.ToLower(strings.Trim(route, "/")), "/")
		if first == "admin" || first == "runtime" {
			out = append(out, fmt.Sprintf("route %q conflicts with the host's reserved %q routes; choose a route that does not start with admin or runtime (for the durable management API use \"durabletask/{*path}\")", route, first))
		}
		switch b.AuthLevel() {
		case "anonymous", "function", "admin", "system", "user":
		default:
			out = append(out, fmt.Sprintf("authLevel %q is invalid; use \"anonymous\", \"function\" or \"admin\"", b.String("authLevel")))
		}
		if raw, ok := b.Property("methods"); ok && b.Methods() == nil && string(raw) != "null" && string(raw) != "[]" {
			out = append(out, fmt.Sprintf("methods must be an array of strings such as [\"get\", \"post\"], got %s", raw))
		}
	case KindQueue:
		if b.QueueName() == "" {
			out = append(out, "queueName is required")
		}
	case KindEventHub:
		if b.EventHubName() == "" {
			out = append(out, "eventHubName is required")
		}
		if c := b.Cardinality(); c != "one" && c != "many" {
			out = append(out, fmt.Sprintf("cardinality %q is invalid; use \"one\" or \"many\"", c))
		}
	case KindTimer:
		if b.Schedule() == "" {
			out = append(out, "schedule is required, for example \"0 */5 * * * *\"")
		}
	}
	return out
}

// suggestType returns the type an unknown binding type was probably meant
// to be, and false when it is known or not close to a known type.
func suggestType(typ string) (string, bool) {
	lower := strings.ToLower(typ)
	for _, k := range knownTypes {
		if strings.EqualFold(k, typ) {
			return "", false
		}
	}
	if want, ok := knownMistakes[lower]; ok {
		return want, true
	}
	if len(lower) < 6 {
		return "", false
	}
	for _, k := range knownTypes {
		if len(k) >= 6 && editDistance(lower, strings.ToLower(k)) <= 2 {
			return k, true
		}
	}
	return "", false
}

// editDistance is the Levenshtein distance between two strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func prefixAll(prefix string, list []string) []string {
	for i := range list {
		list[i] = prefix + list[i]
	}
	return list
}
