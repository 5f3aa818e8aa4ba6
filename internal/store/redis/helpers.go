package redis

import (
	"regexp"
	"strings"
)

// A script runs its whole text on every call, so each helper of the
// prelude it carries costs a closure per call whether it is used or
// not: about 2 µs of Redis CPU per call for the full prelude, most of
// what a short script like the result lock costs beyond its commands.
// withHelpers gives a script only the helpers its body calls, and the
// helpers those call.

// helper is one "local function" of the prelude with the comment above it.
type helper struct {
	name, code string
	called     *regexp.Regexp
}

// preludeHead is what comes before the first helper (the partition
// prefix and the argument cursor); preludeHelpers are the rest, in order.
var preludeHead, preludeHelpers = splitPrelude(prelude)

var helperName = regexp.MustCompile(`^local function ([A-Za-z_][A-Za-z0-9_]*)\(`)

// splitPrelude cuts the prelude before each helper's leading comment.
func splitPrelude(src string) (string, []helper) {
	lines := strings.SplitAfter(src, "\n")
	var head strings.Builder
	var hs []helper
	var cur, pending strings.Builder // pending: comment lines not yet owned
	name := ""
	flush := func() {
		if name != "" {
			hs = append(hs, helper{name: name, code: cur.String(),
				called: regexp.MustCompile(`\b` + name + `\(`)})
		}
		cur.Reset()
	}
	for _, l := range lines {
		switch m := helperName.FindStringSubmatch(l); {
		case m != nil:
			flush()
			name = m[1]
			cur.WriteString(pending.String())
			pending.Reset()
			cur.WriteString(l)
		case strings.HasPrefix(l, "--"):
			pending.WriteString(l)
		case name == "":
			head.WriteString(pending.String())
			pending.Reset()
			head.WriteString(l)
		default:
			cur.WriteString(pending.String())
			pending.Reset()
			cur.WriteString(l)
		}
	}
	cur.WriteString(pending.String())
	flush()
	return head.String(), hs
}

// withHelpers returns body prefixed with the prelude's head and the
// helpers body needs. A helper can only call helpers defined above it
// (they are locals), so one pass from the last to the first finds them
// all.
func withHelpers(body string) string {
	need := make([]bool, len(preludeHelpers))
	users := []string{body}
	for i := len(preludeHelpers) - 1; i >= 0; i-- {
		h := preludeHelpers[i]
		for _, u := range users {
			if h.called.MatchString(u) {
				need[i] = true
				users = append(users, h.code)
				break
			}
		}
	}
	var b strings.Builder
	b.WriteString(preludeHead)
	for i, h := range preludeHelpers {
		if need[i] {
			b.WriteString(h.code)
		}
	}
	b.WriteString(body)
	return b.String()
}
