package redis

import (
	"strings"
	"testing"
)

func TestThePreludeSplitsIntoItsHelpersWithoutLosingALine(t *testing.T) {
	var b strings.Builder
	b.WriteString(preludeHead)
	names := map[string]bool{}
	for _, h := range preludeHelpers {
		b.WriteString(h.code)
		names[h.name] = true
	}
	if b.String() != prelude {
		t.Fatal("head and helpers put together differ from the prelude")
	}
	for _, n := range []string{"arg", "writeRow", "take", "takeReady", "dropInstance", "nextScore"} {
		if !names[n] {
			t.Errorf("helper %s not found in the prelude", n)
		}
	}
}

func TestAScriptCarriesTheHelpersItCallsAndTheirs(t *testing.T) {
	src := withHelpers("return takeReady('o', 0, 't')\n")
	for _, n := range []string{"takeReady", "take", "rowAndHistory", "resched", "readyKey", "kindOf"} {
		if !strings.Contains(src, "local function "+n+"(") {
			t.Errorf("helper %s missing from a script calling takeReady", n)
		}
	}
	for _, n := range []string{"writeRow", "dropInstance", "unlockAll", "publish", "takeActivity", "arg"} {
		if strings.Contains(src, "local function "+n+"(") {
			t.Errorf("helper %s carried by a script that does not call it", n)
		}
	}
	if !strings.HasPrefix(src, preludeHead) {
		t.Error("the prelude's head is missing")
	}
}
