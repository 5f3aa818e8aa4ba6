package durabletest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// ReplayCheckEnv names the directory of exported histories that
// `durablefunc replay-check` hands to the user's test (see RunReplayCheck).
const ReplayCheckEnv = "DURABLE_REPLAY_HISTORIES"

// Divergence is one instance the checked code would break.
type Divergence struct {
	InstanceID string
	Name       string
	// Step is the sequence number of the first step where the code and the
	// history differ, or -1 when the message names none (a different
	// ending, an unregistered orchestrator).
	Step int
	// Message says how they differ, in the runtime's words.
	Message string
}

// ReplayCheckReport is the outcome of ReplayCheck.
type ReplayCheckReport struct {
	// Checked counts the histories replayed.
	Checked int
	// Diverged lists, by orchestrator name, the instances that would fail,
	// sorted by instance id.
	Diverged map[string][]Divergence
	Elapsed  time.Duration
}

// Failed reports whether any instance would fail.
func (r *ReplayCheckReport) Failed() bool { return len(r.Diverged) > 0 }

// Write prints the report: one block per orchestrator that would break.
func (r *ReplayCheckReport) Write(w io.Writer) {
	names := make([]string, 0, len(r.Diverged))
	for n := range r.Diverged {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "orchestrator %s: %d instance(s) would fail\n", n, len(r.Diverged[n]))
		for _, d := range r.Diverged[n] {
			step := "-"
			if d.Step >= 0 {
				step = strconv.Itoa(d.Step)
			}
			fmt.Fprintf(w, "  %s (step %s): %s\n", d.InstanceID, step, d.Message)
		}
	}
	fmt.Fprintf(w, "replay check: %d instance(s) checked in %s, %d would fail\n", r.Checked, r.Elapsed.Round(time.Millisecond), r.failures())
}

func (r *ReplayCheckReport) failures() int {
	n := 0
	for _, ds := range r.Diverged {
		n += len(ds)
	}
	return n
}

// ReplayCheck replays each history against the orchestrator reg has under
// its name, as the runtime would when the instance next runs on this code,
// and reports the instances that would fail: a nondeterminism error (the
// code schedules other work than history records), an orchestrator that is
// no longer registered, or, for a finished instance, a different ending.
// Histories are replayed in parallel.
func ReplayCheck(reg *durable.Registry, hs []*SavedHistory) *ReplayCheckReport {
	start := time.Now()
	out := make([]*Divergence, len(hs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = checkOne(reg, hs[i])
			}
		}()
	}
	for i := range hs {
		next <- i
	}
	close(next)
	wg.Wait()
	rep := &ReplayCheckReport{Checked: len(hs), Diverged: map[string][]Divergence{}}
	for _, d := range out {
		if d != nil {
			rep.Diverged[d.Name] = append(rep.Diverged[d.Name], *d)
		}
	}
	for _, ds := range rep.Diverged {
		sort.Slice(ds, func(i, j int) bool { return ds[i].InstanceID < ds[j].InstanceID })
	}
	rep.Elapsed = time.Since(start)
	return rep
}

var stepPattern = regexp.MustCompile(`sequence number (\d+)`)

func checkOne(reg *durable.Registry, h *SavedHistory) *Divergence {
	fn, ok := reg.LookupOrchestrator(h.Name)
	if !ok {
		return &Divergence{InstanceID: h.InstanceID, Name: h.Name, Step: -1,
			Message: fmt.Sprintf("no orchestrator %q is registered: the instance would fail with FunctionNotFound", h.Name)}
	}
	_, err := CheckReplayEvents(fn, h)
	if err == nil {
		return nil
	}
	d := &Divergence{InstanceID: h.InstanceID, Name: h.Name, Step: -1, Message: err.Error()}
	if de, ok := err.(*DivergenceError); ok {
		d.Message = de.Message
	}
	if m := stepPattern.FindStringSubmatch(d.Message); m != nil {
		d.Step, _ = strconv.Atoi(m[1])
	}
	return d
}

// HistoriesFromStore reads the histories of a task hub's in-flight
// instances (Pending, Running, Suspended, ContinuedAsNew) and, when
// completedSince is not zero, of instances created since then that
// completed. Histories are read concurrently.
func HistoriesFromStore(ctx context.Context, st *durable.Store, completedSince time.Time) ([]*SavedHistory, error) {
	c := durable.NewClient(st, nil)
	ids, err := listIDs(ctx, c, durable.Query{Statuses: []durable.RuntimeStatus{
		durable.StatusPending, durable.StatusRunning, durable.StatusSuspended, durable.StatusContinuedAsNew}})
	if err != nil {
		return nil, err
	}
	if !completedSince.IsZero() {
		done, err := listIDs(ctx, c, durable.Query{Statuses: []durable.RuntimeStatus{durable.StatusCompleted}, CreatedFrom: completedSince})
		if err != nil {
			return nil, err
		}
		ids = append(ids, done...)
	}
	return readHistories(ctx, c, ids)
}

func listIDs(ctx context.Context, c *durable.Client, q durable.Query) ([]string, error) {
	var ids []string
	q.PageSize = 1000
	for {
		page, err := c.ListInstances(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("durabletest: list instances: %w", err)
		}
		for _, st := range page.Instances {
			ids = append(ids, st.InstanceID)
		}
		if page.ContinuationToken == "" {
			return ids, nil
		}
		q.ContinuationToken = page.ContinuationToken
	}
}

func readHistories(ctx context.Context, c *durable.Client, ids []string) ([]*SavedHistory, error) {
	out := make([]*SavedHistory, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			st, err := c.GetStatus(ctx, id, durable.WithHistory())
			if err != nil {
				errs[i] = fmt.Errorf("durabletest: instance %q: %w", id, err)
				return
			}
			out[i] = &SavedHistory{InstanceID: id, Name: st.Name, Events: st.History}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HistoriesFromDir loads every *.json file of dir (see LoadHistory for
// the forms it reads).
func HistoriesFromDir(dir string) ([]*SavedHistory, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	out := make([]*SavedHistory, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		h, err := LoadHistory(data)
		if err != nil {
			return nil, fmt.Errorf("durabletest: %s: %w", p, err)
		}
		out = append(out, h)
	}
	return out, nil
}

// CheckDeploy fails the test, with the report, when deploying reg's code
// would break any of the histories.
func CheckDeploy(t TB, reg *durable.Registry, hs []*SavedHistory) *ReplayCheckReport {
	t.Helper()
	rep := ReplayCheck(reg, hs)
	var b strings.Builder
	rep.Write(&b)
	if rep.Failed() {
		t.Errorf("deploying this code would break running instances:\n%s", b.String())
	} else if l, ok := t.(interface{ Logf(string, ...any) }); ok {
		l.Logf("%s", b.String())
	}
	return rep
}

// RunReplayCheck is the test `durablefunc replay-check` runs: it checks
// reg against the histories in the directory ReplayCheckEnv names, and
// skips when it names none. Put it in a test of the package that builds
// the registry, with the same registration code as main:
//
//	func TestReplayCheck(t *testing.T) { durabletest.RunReplayCheck(t, app.Registry()) }
func RunReplayCheck(t TB, reg *durable.Registry) *ReplayCheckReport {
	t.Helper()
	dir := os.Getenv(ReplayCheckEnv)
	if dir == "" {
		if s, ok := t.(interface{ Skip(...any) }); ok {
			s.Skip("durabletest: " + ReplayCheckEnv + " is not set; `durablefunc replay-check` sets it")
		}
		return nil
	}
	hs, err := HistoriesFromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return CheckDeploy(t, reg, hs)
}
