package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/azurestore"
	"github.com/godurable/durablefunctions/durable/durabletest"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
)

const replayCheckUsage = `usage:
  durablefunc replay-check [--app DIR | --db FILE | --azure CONNECTION_STRING --hub NAME | --dir DIR]
                           [--completed-since DURATION] [--pkg PACKAGE] [--run TEST] [--export DIR]

Checks that the code in PACKAGE can take over a task hub's instances: it
exports the histories of the hub's in-flight instances (and, with
--completed-since 24h, of instances created that recently that completed)
and runs ` + "`go test -run TEST PACKAGE`" + ` with ` + durabletest.ReplayCheckEnv + ` naming them.
That test replays them against the app's own registrations:

  func TestReplayCheck(t *testing.T) { durabletest.RunReplayCheck(t, app.Registry()) }

durablefunc cannot run the app's orchestrators itself: they are Go code
compiled into the app. The test prints, per orchestrator, the instances that
would fail and the first step that differs, and fails if
any would (durablefunc exits non-zero). --export DIR only writes the histories; --dir DIR checks
histories exported before (durablefunc history export, or --export).`

// replayCheckCommand runs `durablefunc replay-check`.
func replayCheckCommand(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("replay-check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	app := fs.String("app", ".", "function app directory (its SQLite task hub)")
	db := fs.String("db", "", "SQLite task hub file")
	azConn := fs.String("azure", "", "Azure Storage connection string")
	hub := fs.String("hub", "", "Azure Storage task hub name")
	dir := fs.String("dir", "", "directory of exported histories to check instead of a hub")
	since := fs.Duration("completed-since", 0, "also check instances created this long ago or later that completed")
	pkg := fs.String("pkg", ".", "Go package whose test runs the check")
	run := fs.String("run", "TestReplayCheck", "name of that test")
	export := fs.String("export", "", "only export the histories into this directory")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v\n%s", err, replayCheckUsage)
	}
	histDir := *dir
	if histDir == "" {
		target := *export
		if target == "" {
			tmp, err := os.MkdirTemp("", "replay-check-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			target = tmp
		}
		n, err := exportInFlight(*app, *db, *azConn, *hub, *since, target)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "replay-check: exported %d histories to %s\n", n, target)
		if *export != "" {
			return nil
		}
		histDir = target
	}
	return runCheckTest(*pkg, *run, histDir, out)
}

// exportInFlight writes one export file per instance the hub would replay.
func exportInFlight(app, db, azConn, hub string, since time.Duration, dir string) (int, error) {
	ctx := context.Background()
	st, err := openHub(ctx, app, db, azConn, hub)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	var from time.Time
	if since > 0 {
		from = time.Now().Add(-since)
	}
	hs, err := durabletest.HistoriesFromStore(ctx, st, from)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	for i, h := range hs {
		data, err := durabletest.MarshalHistory(h.InstanceID, h.Name, h.Events)
		if err != nil {
			return 0, fmt.Errorf("instance %q: %w", h.InstanceID, err)
		}
		// Instance ids may hold any character: number the files.
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d.json", i)), data, 0o644); err != nil {
			return 0, err
		}
	}
	return len(hs), nil
}

func openHub(ctx context.Context, app, db, azConn, hub string) (*durable.Store, error) {
	if azConn != "" {
		if hub == "" {
			return nil, errors.New("--azure needs --hub")
		}
		return azurestore.Open(ctx, azurestore.Options{HubName: hub, ConnectionName: "REPLAY_CHECK_CONNECTION",
			Setting: func(k string) string {
				if k == "REPLAY_CHECK_CONNECTION" {
					return azConn
				}
				return ""
			}})
	}
	path := db
	if path == "" {
		p, err := appStorePath(app)
		if err != nil {
			return nil, err
		}
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("task hub %s: %w", path, err)
	}
	return sqlitestore.Open(ctx, path)
}

// runCheckTest runs the app's replay-check test on the histories in dir.
func runCheckTest(pkg, run, dir string, out io.Writer) error {
	cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "^"+run+"$", pkg)
	cmd.Env = append(os.Environ(), durabletest.ReplayCheckEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("replay check failed (%s in %s): %w", run, pkg, err)
	}
	return nil
}
