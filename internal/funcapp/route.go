package funcapp

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// Route is a compiled Functions (ASP.NET Core) route template such as
// "orchestrators/{functionName}/{instanceId?}". Use CompileRoute to build
// one and Match to test paths; a Route is safe for concurrent use.
type Route struct {
	template string
	re       *regexp.Regexp
	params   []*routeParam // in capture-group order
	rank     string        // precedence key; lower is more specific
}

type routeParam struct {
	name        string
	optional    bool
	catchAll    bool
	def         string
	hasDefault  bool
	constraints []routeConstraint
}

// MatchRoute reports whether path matches the route template and returns
// the route values. Literals match case-insensitively; leading and
// trailing slashes are ignored on both sides. Supported template syntax:
// "{name}", optional "{name?}", defaults "{name=value}", constraints
// "{id:int}" (int, long, bool, alpha, guid, decimal, double, float,
// datetime, min, max, range, length, minlength, maxlength, regex, required;
// other constraint names are accepted and not checked), catch-all
// "{*rest}" in the last segment, and "{{"/"}}" for literal braces.
// Optional and catch-all values that are absent are left out of params.
// An invalid template never matches; use CompileRoute to see why.
func MatchRoute(template, path string) (params map[string]string, ok bool) {
	r, err := cachedRoute(template)
	if err != nil {
		return nil, false
	}
	return r.Match(path)
}

// routeCache holds compiled templates. Templates come from function.json
// files, so the cache stays small; it stops growing at maxCachedRoutes
// in case a caller passes arbitrary templates.
var (
	routeCache      sync.Map // template -> *Route or error
	routeCacheSize  atomic.Int64
	maxCachedRoutes = int64(4096)
)

func cachedRoute(template string) (*Route, error) {
	if v, ok := routeCache.Load(template); ok {
		if r, ok := v.(*Route); ok {
			return r, nil
		}
		return nil, v.(error)
	}
	r, err := CompileRoute(template)
	if routeCacheSize.Add(1) <= maxCachedRoutes {
		if err != nil {
			routeCache.Store(template, err)
		} else {
			routeCache.Store(template, r)
		}
	}
	return r, err
}

// Template returns the template the route was compiled from.
func (r *Route) Template() string { return r.template }

// Match reports whether path matches and returns the route values.
func (r *Route) Match(path string) (map[string]string, bool) {
	path = strings.Trim(path, "/")
	idx := r.re.FindStringSubmatchIndex(path)
	if idx == nil {
		return nil, false
	}
	params := make(map[string]string, len(r.params))
	for i, p := range r.params {
		start, end := idx[2*(i+1)], idx[2*(i+1)+1]
		if start < 0 || start == end {
			if p.hasDefault {
				params[p.name] = p.def
			}
			continue
		}
		v := path[start:end]
		for _, c := range p.constraints {
			if !c.accepts(v) {
				return nil, false
			}
		}
		params[p.name] = v
	}
	return params, true
}

// CompileRoute parses a route template. Errors describe what is wrong with
// the template and where.
func CompileRoute(template string) (*Route, error) {
	t := strings.TrimPrefix(template, "~")
	t = strings.Trim(t, "/")
	r := &Route{template: template}
	if t == "" {
		r.re = regexp.MustCompile(`^$`)
		return r, nil
	}
	segs := strings.Split(t, "/")
	pieces := make([]string, len(segs))
	optionalSeg := make([]bool, len(segs))
	seen := map[string]bool{}
	var rank strings.Builder
	for i, seg := range segs {
		if seg == "" {
			return nil, fmt.Errorf("route %q: empty segment (two slashes in a row)", template)
		}
		parts, err := parseSegment(seg)
		if err != nil {
			return nil, fmt.Errorf("route %q: segment %q: %w", template, seg, err)
		}
		piece, optional, segRank, err := segmentRegex(parts, i == len(segs)-1)
		if err != nil {
			return nil, fmt.Errorf("route %q: segment %q: %w", template, seg, err)
		}
		for _, p := range parts {
			if p.param == nil {
				continue
			}
			key := strings.ToLower(p.param.name)
			if seen[key] {
				return nil, fmt.Errorf("route %q: parameter %q appears twice", template, p.param.name)
			}
			seen[key] = true
			r.params = append(r.params, p.param)
		}
		if i > 0 && optionalSeg[i-1] && !optional {
			return nil, fmt.Errorf("route %q: segment %q follows an optional segment; optional parameters must come last", template, seg)
		}
		pieces[i], optionalSeg[i] = piece, optional
		rank.WriteByte(segRank)
	}
	tail := ""
	for i := len(segs) - 1; i >= 0; i-- {
		sep := ""
		if i > 0 {
			sep = "/"
		}
		if optionalSeg[i] {
			tail = "(?:" + sep + pieces[i] + tail + ")?"
		} else {
			tail = sep + pieces[i] + tail
		}
	}
	re, err := regexp.Compile("^" + tail + "$")
	if err != nil {
		return nil, fmt.Errorf("route %q: %w", template, err)
	}
	r.re, r.rank = re, rank.String()
	return r, nil
}

type segmentPart struct {
	literal string
	param   *routeParam
}

// parseSegment splits one path segment into literals and parameters.
func parseSegment(seg string) ([]segmentPart, error) {
	var parts []segmentPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, segmentPart{literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '{' && i+1 < len(seg) && seg[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(seg) && seg[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '}':
			return nil, fmt.Errorf("unmatched '}' (write '}}' for a literal brace)")
		case c == '?' || c == '*':
			return nil, fmt.Errorf("%q is only allowed inside a {parameter}", c)
		case c == '{':
			end, err := paramEnd(seg, i+1)
			if err != nil {
				return nil, err
			}
			p, err := parseParam(seg[i+1 : end])
			if err != nil {
				return nil, err
			}
			flush()
			if n := len(parts); n > 0 && parts[n-1].param != nil {
				return nil, fmt.Errorf("two parameters need a literal between them")
			}
			parts = append(parts, segmentPart{param: p})
			i = end
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts, nil
}

// paramEnd finds the '}' closing a parameter that starts at from, skipping
// braces inside constraint arguments (escaped as "{{"/"}}" or nested in
// parentheses).
func paramEnd(seg string, from int) (int, error) {
	depth := 0
	for i := from; i < len(seg); i++ {
		switch seg[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case '{':
			if depth == 0 {
				return 0, fmt.Errorf("'{' inside a parameter")
			}
		case '}':
			if depth == 0 {
				return i, nil
			}
		}
	}
	if depth > 0 {
		return 0, fmt.Errorf("unclosed '(' in a constraint")
	}
	return 0, fmt.Errorf("unclosed '{'")
}

var paramNamePattern = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

// parseParam parses the inside of {...}: [*|**]name[:constraint...][?|=default].
func parseParam(s string) (*routeParam, error) {
	p := &routeParam{}
	if strings.HasPrefix(s, "*") {
		p.catchAll = true
		s = strings.TrimLeft(s, "*")
	}
	nameEnd := strings.IndexAny(s, ":=?")
	if nameEnd < 0 {
		nameEnd = len(s)
	}
	p.name = s[:nameEnd]
	if !paramNamePattern.MatchString(p.name) {
		return nil, fmt.Errorf("invalid parameter name %q", p.name)
	}
	rest := s[nameEnd:]
	for strings.HasPrefix(rest, ":") {
		c, n, err := parseConstraint(rest[1:])
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", p.name, err)
		}
		p.constraints = append(p.constraints, c)
		rest = rest[1+n:]
	}
	switch {
	case rest == "":
	case rest == "?":
		p.optional = true
	case strings.HasPrefix(rest, "="):
		p.def, p.hasDefault = rest[1:], true
	default:
		return nil, fmt.Errorf("parameter %q: unexpected %q", p.name, rest)
	}
	if p.catchAll && p.optional {
		return nil, fmt.Errorf("catch-all parameter %q cannot be marked optional; it already is", p.name)
	}
	return p, nil
}

// segmentRegex builds the regular expression of one segment and reports
// whether the whole segment may be absent. rank classifies the segment for
// route precedence: '1' literal, '2' mixed, '3' constrained parameter,
// '4' parameter, '5' optional, '6' catch-all.
func segmentRegex(parts []segmentPart, last bool) (piece string, optional bool, rank byte, err error) {
	if len(parts) == 1 && parts[0].param != nil {
		p := parts[0].param
		switch {
		case p.catchAll:
			if !last {
				return "", false, 0, fmt.Errorf("catch-all parameter %q must be in the last segment", p.name)
			}
			return "(.*)", true, '6', nil
		case p.optional || p.hasDefault:
			return "([^/]+)", true, '5', nil
		case len(p.constraints) > 0:
			return "([^/]+)", false, '3', nil
		}
		return "([^/]+)", false, '4', nil
	}
	var b strings.Builder
	rank = '1'
	final := parts[len(parts)-1]
	endsOptional := final.param != nil && final.param.optional
	for i, part := range parts {
		if part.param == nil {
			b.WriteString("(?i:" + regexp.QuoteMeta(part.literal) + ")")
			continue
		}
		p := part.param
		rank = '2'
		lastPart := i == len(parts)-1
		switch {
		case p.catchAll:
			return "", false, 0, fmt.Errorf("catch-all parameter %q must be a whole segment", p.name)
		case p.optional && !lastPart:
			return "", false, 0, fmt.Errorf("optional parameter %q must be at the end of the segment", p.name)
		case p.optional && (i < 2 || parts[i-2].param == nil):
			return "", false, 0, fmt.Errorf("optional parameter %q must follow another parameter and a separator, as in {name}.{ext?}", p.name)
		case p.optional:
			// "{name}.{ext?}": the separator is optional with the
			// parameter, which cannot contain the separator, so that
			// "a.b.c" gives name "a.b" and ext "c" as in ASP.NET Core.
			sep := parts[i-1].literal
			prev := b.String()
			litStart := strings.LastIndex(prev, "(?i:")
			b.Reset()
			b.WriteString(prev[:litStart] + "(?:" + prev[litStart:] + "([^/" + regexp.QuoteMeta(sep[:1]) + "]+))?")
		case lastPart:
			b.WriteString("([^/]+)")
		case endsOptional:
			b.WriteString("([^/]+?)")
		default:
			// Greedy: complex segments match from the right, so the last
			// separator splits "report.final.pdf" into "report.final" and "pdf".
			b.WriteString("([^/]+)")
		}
	}
	return b.String(), false, rank, nil
}

// routeRank orders routes from most to least specific.
func routeRank(template string) string {
	r, err := cachedRoute(template)
	if err != nil {
		return "9"
	}
	return r.rank
}
