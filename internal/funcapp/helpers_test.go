package funcapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/internal/funcapp/funcapptest"
)

// writeApp creates a function app in a temporary directory from a map of
// relative file names to contents and returns its path.
var writeApp = funcapptest.WriteApp

// loadTestApp loads dir with the given environment and no local settings.
func loadTestApp(t *testing.T, dir string, environ ...string) (*App, error) {
	t.Helper()
	s, err := LoadSettings(dir, false, environ)
	if err != nil {
		t.Fatalf("LoadSettings: %v", err)
	}
	return LoadAppWithSettings(dir, s)
}

// mustContainAll fails unless err's text contains every fragment.
func mustContainAll(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error does not contain %q:\n%v", f, err)
		}
	}
}

func readPayload(t *testing.T, name string) *InvocationRequest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	req, err := DecodeInvocationRequest(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return req
}

const minimalHost = `{"version": "2.0"}`
