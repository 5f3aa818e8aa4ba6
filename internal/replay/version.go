package replay

import (
	"strconv"
	"strings"
)

// CompareVersions compares two orchestration versions as Durable Functions
// does (durabletask-dotnet's TaskOrchestrationVersioningUtils.CompareVersions):
// two empty versions are equal; an empty version is older than any defined
// one; two versions that both parse as .NET's System.Version (two to four
// dot-separated non-negative integers) compare component by component, an
// absent component being lower than any present one; anything else
// compares as case-insensitive (ordinal) strings. It returns -1, 0 or 1.
func CompareVersions(a, b string) int {
	ea, eb := strings.TrimSpace(a) == "", strings.TrimSpace(b) == ""
	switch {
	case ea && eb:
		return 0
	case ea:
		return -1
	case eb:
		return 1
	}
	if va, ok := parseDotNetVersion(a); ok {
		if vb, ok := parseDotNetVersion(b); ok {
			return compareParts(va, vb)
		}
	}
	return sign(strings.Compare(strings.ToUpper(a), strings.ToUpper(b)))
}

// parseDotNetVersion parses what System.Version.TryParse accepts: 2 to 4
// components, each an Int32 ≥ 0. Absent components are -1, as in .NET,
// so "1.0" is older than "1.0.0".
func parseDotNetVersion(s string) ([4]int64, bool) {
	v := [4]int64{-1, -1, -1, -1}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return v, false
	}
	for i, p := range parts {
		// .NET parses each component with NumberStyles.Integer: surrounding
		// white space and a sign are allowed, the value must be ≥ 0.
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
		if err != nil || n < 0 {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func compareParts(a, b [4]int64) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Version returns the version the execution was started with ("" when
// none).
func (c *Context) Version() string {
	if c.started == nil {
		return ""
	}
	return c.started.Version
}

// subOrchestrationVersion is the version a new sub-orchestration gets: the
// one the call names, else the worker's default (Options.DefaultVersion).
func (c *Context) subOrchestrationVersion(named string) string {
	if named != "" {
		return named
	}
	return c.opts.DefaultVersion
}
