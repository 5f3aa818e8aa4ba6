package durablevet

import (
	"go/ast"
	"go/token"
	"strings"
)

// directive suppresses a finding on its line (or, alone on a line, on the
// next line); in a doc comment it exempts the whole function.
const directive = "durable:nondeterministic-ok"

// isDirective reports whether a comment is the suppression directive.
func isDirective(c *ast.Comment) bool {
	t, ok := strings.CutPrefix(c.Text, "//")
	if !ok {
		return false
	}
	t = strings.TrimLeft(t, " \t")
	rest, ok := strings.CutPrefix(t, directive)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}

func hasDirective(g *ast.CommentGroup) bool {
	if g == nil {
		return false
	}
	for _, c := range g.List {
		if isDirective(c) {
			return true
		}
	}
	return false
}

// indexDirectives records the lines each directive covers: its own line,
// and the next line when the comment is alone on its line.
func (st *state) indexDirectives() {
	for _, f := range st.pass.Files {
		tf := st.pass.Fset.File(f.Pos())
		if tf == nil {
			continue
		}
		var src []byte
		for _, g := range f.Comments {
			for _, c := range g.List {
				if !isDirective(c) {
					continue
				}
				p := st.pass.Fset.Position(c.Slash)
				lines := st.suppressed[p.Filename]
				if lines == nil {
					lines = map[int]bool{}
					st.suppressed[p.Filename] = lines
				}
				lines[p.Line] = true
				if src == nil {
					src, _ = st.pass.ReadFile(tf.Name())
					if src == nil {
						src = []byte{}
					}
				}
				if aloneOnLine(src, p.Offset) {
					lines[p.Line+1] = true
				}
			}
		}
	}
}

// aloneOnLine reports whether only blanks precede offset on its line.
func aloneOnLine(src []byte, offset int) bool {
	if offset > len(src) {
		return false
	}
	for i := offset - 1; i >= 0 && src[i] != '\n'; i-- {
		if src[i] != ' ' && src[i] != '\t' {
			return false
		}
	}
	return true
}

func (st *state) isSuppressed(pos token.Pos) bool {
	p := st.pass.Fset.Position(pos)
	return st.suppressed[p.Filename][p.Line]
}
