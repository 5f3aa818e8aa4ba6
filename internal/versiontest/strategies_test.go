package versiontest

import (
	"fmt"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

var strategies = []struct {
	name  string
	match durable.VersionMatchStrategy
	fail  durable.VersionFailureStrategy
}{
	{"None/Reject", durable.VersionMatchNone, durable.VersionFailureReject},
	{"None/Fail", durable.VersionMatchNone, durable.VersionFailureFail},
	{"Strict/Reject", durable.VersionMatchStrict, durable.VersionFailureReject},
	{"Strict/Fail", durable.VersionMatchStrict, durable.VersionFailureFail},
	{"CurrentOrOlder/Reject", durable.VersionMatchCurrentOrOlder, durable.VersionFailureReject},
	{"CurrentOrOlder/Fail", durable.VersionMatchCurrentOrOlder, durable.VersionFailureFail},
}

func TestWorkersOfTwoVersionsOnASQLiteHubRunWhatTheStrategyAllows(t *testing.T) {
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			checkStrategy(t, newSQLiteHub(t), s.match, s.fail)
		})
	}
}

func TestWorkersOfTwoVersionsOnAnAzureStorageHubRunWhatTheStrategyAllows(t *testing.T) {
	if testing.Short() {
		t.Skip("Azurite: not in -short")
	}
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			checkStrategy(t, newAzureHub(t), s.match, s.fail)
		})
	}
}

// checkStrategy runs a 1.0 worker alone, then with a 2.0 worker, then each
// alone in turn (Azure Storage leases a partition to one worker, so a
// rejected instance waits for its partition to move), and checks who ran
// what and how each instance ended.
func checkStrategy(t *testing.T, h hub, m durable.VersionMatchStrategy, f durable.VersionFailureStrategy) {
	rec := newRecord()
	cfg := durable.Versioning{MatchStrategy: m, FailureStrategy: f}
	v1 := startWorker(t, h, rec, "1.0", cfg)
	c := v1.rt.Client()
	early1, early2 := start(t, c), start(t, c, durable.WithVersion("2.0"))
	checkAloneOldWorker(t, c, rec, m, f, early1, early2)

	v2 := startWorker(t, h, rec, "2.0", cfg)
	ids := []string{early1, early2}
	for i := 0; i < 5; i++ {
		ids = append(ids, start(t, c), start(t, c, durable.WithVersion("2.0")))
		ids = append(ids, start(t, v2.rt.Client()), start(t, v2.rt.Client(), durable.WithVersion("1.0")))
	}
	sts := waitFinished(t, c, ids, 15*time.Second)
	if !allFinished(sts) {
		h.stop(t, v1.rt) // the 2.0 worker gets every partition
		c = v2.rt.Client()
		if sts = waitFinished(t, c, ids, 40*time.Second); !allFinished(sts) {
			v1 = startWorker(t, h, rec, "1.0", cfg)
			h.stop(t, v2.rt)
			c = v1.rt.Client()
			sts = waitFinished(t, c, ids, 40*time.Second)
		}
	}
	for _, id := range ids {
		checkInstance(t, rec, m, f, id, sts[id])
	}
	h.stop(t, v1.rt)
	h.stop(t, v2.rt)
}

// checkAloneOldWorker: with only the 1.0 worker running, a 1.0 instance
// completes and a 2.0 instance is run (None), failed (Fail) or left
// waiting (Reject).
func checkAloneOldWorker(t *testing.T, c *durable.Client, rec *record, m durable.VersionMatchStrategy, f durable.VersionFailureStrategy, early1, early2 string) {
	t.Helper()
	sts := waitFinished(t, c, []string{early1}, 30*time.Second)
	if st := sts[early1]; st.RuntimeStatus != durable.StatusCompleted || st.Version != "1.0" {
		t.Fatalf("a 1.0 instance on the 1.0 worker ended %s with version %q, want Completed 1.0 (%v)", st.RuntimeStatus, st.Version, st.Failure)
	}
	switch {
	case m == durable.VersionMatchNone:
		st := waitFinished(t, c, []string{early2}, 30*time.Second)[early2]
		if st.RuntimeStatus != durable.StatusCompleted {
			t.Fatalf("with None the 1.0 worker left a 2.0 instance %s, want Completed", st.RuntimeStatus)
		}
	case f == durable.VersionFailureFail:
		st := waitFinished(t, c, []string{early2}, 30*time.Second)[early2]
		want := mismatchMessage(m, "1.0", "2.0")
		if st.RuntimeStatus != durable.StatusFailed || st.Failure == nil || st.Failure.ErrorType != durable.VersionMismatchErrorType || st.Failure.ErrorMessage != want {
			t.Fatalf("the 1.0 worker ended a 2.0 instance %s (%+v), want Failed with %q", st.RuntimeStatus, st.Failure, want)
		}
	default:
		time.Sleep(time.Second) // several rejections at 50 ms
		st := waitFinished(t, c, []string{early2}, 0)[early2]
		if st.IsFinished() || len(rec.workers(early2)) != 0 {
			t.Fatalf("with Reject the 1.0 worker ran a 2.0 instance: %s, ran on %v", st.RuntimeStatus, rec.workers(early2))
		}
	}
}

// checkInstance: only allowed workers ran it; it completed once, or
// (Fail) failed with the reason an incompatible worker gives.
func checkInstance(t *testing.T, rec *record, m durable.VersionMatchStrategy, f durable.VersionFailureStrategy, id string, st *durable.Status) {
	t.Helper()
	v := st.Version
	if v != "1.0" && v != "2.0" {
		t.Errorf("instance %s has version %q, want 1.0 or 2.0", id, v)
	}
	for w := range rec.workers(id) {
		if wv := w[len("worker-"):]; !allowed(m, wv, v) {
			t.Errorf("instance %s of version %s ran on %s", id, v, w)
		}
	}
	switch {
	case st.RuntimeStatus == durable.StatusCompleted:
		if outputOf(st) != v || rec.steps(id) != 1 {
			t.Errorf("instance %s completed with %s after %d activity runs, want %q after 1", id, st.Output, rec.steps(id), v)
		}
	case st.RuntimeStatus == durable.StatusFailed && f == durable.VersionFailureFail && m != durable.VersionMatchNone:
		other := map[string]string{"1.0": "2.0", "2.0": "1.0"}[v]
		if want := mismatchMessage(m, other, v); st.Failure == nil || st.Failure.ErrorMessage != want || rec.steps(id) > 1 {
			t.Errorf("instance %s failed with %+v after %d activity runs, want %q", id, st.Failure, rec.steps(id), want)
		}
	default:
		t.Errorf("instance %s of version %s ended %s (%v)", id, v, st.RuntimeStatus, fmt.Sprint(st.Failure))
	}
}
