package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/durable/durabletest"
	"github.com/godurable/durablefunctions/durable/sqlitestore"
	"github.com/godurable/durablefunctions/internal/funcapp"
)

const historyUsage = `usage:
  durablefunc history export INSTANCE_ID [--app DIR] [--db FILE] [--out FILE]

Writes the instance's history, as stored, in the export format that
durabletest.ReplayHistory reads. The store is the app's SQLite task hub
(host.json and local.settings.json in DIR choose it) or --db FILE.`

// historyCommand runs `durablefunc history ...`.
func historyCommand(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		return errors.New(historyUsage)
	}
	args = args[1:]
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("history export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	app := fs.String("app", ".", "function app directory")
	db := fs.String("db", "", "SQLite task hub file (instead of the app's)")
	outFile := fs.String("out", "", "write to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%v\n%s", err, historyUsage)
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), historyUsage)
	}
	if id == "" {
		return fmt.Errorf("the instance id is missing\n%s", historyUsage)
	}
	path := *db
	if path == "" {
		p, err := appStorePath(*app)
		if err != nil {
			return err
		}
		path = p
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("task hub %s: %w", path, err)
	}
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer store.Close()
	st, err := durable.NewRuntime(durable.NewRegistry(), store).Client().GetStatus(ctx, id, durable.WithHistory())
	if err != nil {
		return err
	}
	data, err := durabletest.MarshalHistory(st.InstanceID, st.Name, st.History)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if *outFile != "" {
		return os.WriteFile(*outFile, data, 0o644)
	}
	_, err = out.Write(data)
	return err
}

// appStorePath finds the SQLite file of the app in dir.
func appStorePath(dir string) (string, error) {
	settings, err := funcapp.LoadSettings(dir, true, os.Environ())
	if err != nil {
		return "", err
	}
	fa, err := funcapp.LoadAppWithSettings(dir, settings)
	if fa == nil {
		return "", err
	}
	choice := fa.Host.DurableTask.ResolveStorage(fa.Dir, fa.Settings)
	if choice.Type != funcapp.StorageSQLite {
		return "", fmt.Errorf("the app in %s uses the %s store: history export reads SQLite task hubs (pass --db FILE); for other stores save GET /instances/{id}?showHistory=true&showHistoryOutput=true, which durabletest reads too", filepath.Clean(dir), choice.Type)
	}
	return choice.Path, nil
}
