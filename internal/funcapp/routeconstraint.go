package funcapp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// routeConstraint is one ":name(args)" of a route parameter, such as
// {id:int} or {code:length(3)}: a value that fails it makes the route not
// match, as in ASP.NET Core, so another function's route can serve it.
type routeConstraint struct {
	name string
	args []string
	re   *regexp.Regexp // for regex(...)
}

// parseConstraint parses "name" or "name(args)" and returns how many bytes
// it used.
func parseConstraint(s string) (routeConstraint, int, error) {
	i := 0
	for i < len(s) && s[i] != ':' && s[i] != '(' && s[i] != '?' && s[i] != '=' {
		i++
	}
	c := routeConstraint{name: strings.ToLower(s[:i])}
	if c.name == "" {
		return c, 0, fmt.Errorf("empty constraint name")
	}
	if i < len(s) && s[i] == '(' {
		depth := 0
		j := i
		for ; j < len(s); j++ {
			if s[j] == '(' {
				depth++
			} else if s[j] == ')' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if j >= len(s) {
			return c, 0, fmt.Errorf("constraint %q: unclosed '('", c.name)
		}
		arg := strings.NewReplacer("{{", "{", "}}", "}").Replace(s[i+1 : j])
		if c.name == "regex" {
			c.args = []string{arg}
		} else {
			for _, a := range strings.Split(arg, ",") {
				c.args = append(c.args, strings.TrimSpace(a))
			}
		}
		i = j + 1
	}
	if err := c.compile(); err != nil {
		return c, 0, err
	}
	return c, i, nil
}

func (c *routeConstraint) compile() error {
	wantInts := map[string][2]int{"min": {1, 1}, "max": {1, 1}, "range": {2, 2},
		"length": {1, 2}, "minlength": {1, 1}, "maxlength": {1, 1}}
	if n, ok := wantInts[c.name]; ok {
		if len(c.args) < n[0] || len(c.args) > n[1] {
			return fmt.Errorf("constraint %q: wrong number of arguments", c.name)
		}
		for _, a := range c.args {
			if _, err := strconv.ParseInt(a, 10, 64); err != nil {
				return fmt.Errorf("constraint %q: argument %q is not an integer", c.name, a)
			}
		}
	}
	if c.name == "regex" {
		if len(c.args) != 1 {
			return fmt.Errorf("constraint regex needs a pattern")
		}
		re, err := regexp.Compile("(?i)" + c.args[0])
		if err != nil {
			return fmt.Errorf("constraint regex: %w", err)
		}
		c.re = re
	}
	return nil
}

var guidPattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}|\([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\))$`)

func (c routeConstraint) accepts(v string) bool {
	argInt := func(i int) int64 {
		n, _ := strconv.ParseInt(c.args[i], 10, 64)
		return n
	}
	switch c.name {
	case "int":
		_, err := strconv.ParseInt(v, 10, 32)
		return err == nil
	case "long":
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case "bool":
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case "alpha":
		for i := 0; i < len(v); i++ {
			if !(v[i] >= 'a' && v[i] <= 'z' || v[i] >= 'A' && v[i] <= 'Z') {
				return false
			}
		}
		return v != ""
	case "guid":
		return guidPattern.MatchString(v)
	case "decimal", "double", "float":
		_, err := strconv.ParseFloat(v, 64)
		return err == nil
	case "datetime":
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
			if _, err := time.Parse(layout, v); err == nil {
				return true
			}
		}
		return false
	case "min", "max", "range":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return false
		}
		switch c.name {
		case "min":
			return n >= argInt(0)
		case "max":
			return n <= argInt(0)
		}
		return n >= argInt(0) && n <= argInt(1)
	case "length", "minlength", "maxlength":
		n := int64(utf8.RuneCountInString(v))
		switch {
		case c.name == "minlength":
			return n >= argInt(0)
		case c.name == "maxlength":
			return n <= argInt(0)
		case len(c.args) == 2:
			return n >= argInt(0) && n <= argInt(1)
		}
		return n == argInt(0)
	case "regex":
		return c.re.MatchString(v)
	case "required":
		return v != ""
	}
	return true
}
