// Command table reads the JSON lines that run.sh collects (durable-bench's
// lines with "round" and "label" added) on stdin and prints two markdown
// tables: every figure of every round, and the ratios of ours to each peer
// on the same backend, taken within each round so that a slow moment of
// the shared machine hits both sides of a ratio alike.
//
// Labels are "ours-<backend>" for cmd/durable-bench and "<peer>-<backend>"
// for a peer; a peer is compared with ours on the same backend. A ratio
// above 1 means ours is better: ours ÷ peer for rates, peer ÷ ours for
// latencies.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

type line struct {
	Round     int     `json:"round"`
	Label     string  `json:"label"`
	Scenario  string  `json:"scenario"`
	OrchPerS  float64 `json:"orch_per_s"`
	ActPerS   float64 `json:"act_per_s"`
	P50Millis float64 `json:"p50_ms"`
	P99Millis float64 `json:"p99_ms"`
}

// metric is one row of the tables.
type metric struct {
	scenario, name string
	value          func(line) float64
	lowerIsBetter  bool
}

var metrics = []metric{
	{"sequence", "orchestrations/s", func(l line) float64 { return l.OrchPerS }, false},
	{"sequence", "p50 ms (start → completed, under load)", func(l line) float64 { return l.P50Millis }, true},
	{"fanout", "activities/s", func(l line) float64 { return l.ActPerS }, false},
	{"latency", "p50 ms", func(l line) float64 { return l.P50Millis }, true},
	{"latency", "p99 ms", func(l line) float64 { return l.P99Millis }, true},
}

func main() {
	var labels []string
	rounds := 0
	// got[label][scenario][round]
	got := map[string]map[string]map[int]line{}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			fmt.Fprintln(os.Stderr, "table: skipping a line:", err)
			continue
		}
		if got[l.Label] == nil {
			got[l.Label] = map[string]map[int]line{}
			labels = append(labels, l.Label)
		}
		if got[l.Label][l.Scenario] == nil {
			got[l.Label][l.Scenario] = map[int]line{}
		}
		got[l.Label][l.Scenario][l.Round] = l
		rounds = max(rounds, l.Round)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "table:", err)
		os.Exit(1)
	}

	// cell formats one figure per round, "–" where a round has none.
	cell := func(f func(round int) (float64, bool), format func(float64) string) string {
		parts := make([]string, rounds)
		for r := 1; r <= rounds; r++ {
			if v, ok := f(r); ok {
				parts[r-1] = format(v)
			} else {
				parts[r-1] = "–"
			}
		}
		s := strings.Join(parts, " / ")
		var vs []float64
		for r := 1; r <= rounds; r++ {
			if v, ok := f(r); ok {
				vs = append(vs, v)
			}
		}
		if len(vs) >= 3 {
			slices.Sort(vs)
			s += " (median " + format(vs[len(vs)/2]) + ")"
		}
		return s
	}
	value := func(label string, m metric, round int) (float64, bool) {
		l, ok := got[label][m.scenario][round]
		return m.value(l), ok
	}

	fmt.Printf("Figures of rounds 1 to %d, in order:\n\n", rounds)
	fmt.Printf("| scenario | metric | %s |\n", strings.Join(labels, " | "))
	fmt.Printf("|---|---|%s\n", strings.Repeat("---|", len(labels)))
	for _, m := range metrics {
		row := []string{m.scenario, m.name}
		for _, label := range labels {
			row = append(row, cell(func(r int) (float64, bool) { return value(label, m, r) }, figure))
		}
		fmt.Printf("| %s |\n", strings.Join(row, " | "))
	}

	type pair struct{ ours, peer string }
	var pairs []pair
	for _, label := range labels {
		if strings.HasPrefix(label, "ours-") {
			continue
		}
		backend := label[strings.LastIndex(label, "-")+1:]
		if slices.Contains(labels, "ours-"+backend) {
			pairs = append(pairs, pair{"ours-" + backend, label})
		}
	}
	if len(pairs) == 0 {
		return
	}
	fmt.Printf("\nOurs against each peer on the same backend, per round (above 1 = ours better: ours ÷ peer for rates, peer ÷ ours for latencies):\n\n")
	fmt.Print("| scenario | metric |")
	for _, p := range pairs {
		fmt.Printf(" %s vs %s |", p.ours, p.peer)
	}
	fmt.Printf("\n|---|---|%s\n", strings.Repeat("---|", len(pairs)))
	for _, m := range metrics {
		row := []string{m.scenario, m.name}
		for _, p := range pairs {
			row = append(row, cell(func(r int) (float64, bool) {
				o, ok1 := value(p.ours, m, r)
				q, ok2 := value(p.peer, m, r)
				if !ok1 || !ok2 || o == 0 || q == 0 {
					return 0, false
				}
				if m.lowerIsBetter {
					return q / o, true
				}
				return o / q, true
			}, ratio))
		}
		fmt.Printf("| %s |\n", strings.Join(row, " | "))
	}
}

// figure formats a metric's value with about three significant digits:
// whole numbers for rates and long times, decimals for short times.
func figure(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func ratio(v float64) string { return fmt.Sprintf("%.1f×", v) }
