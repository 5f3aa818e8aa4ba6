package funcapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LocalSettingsFile is the name of the file that holds app settings for
// local development.
const LocalSettingsFile = "local.settings.json"

// Settings are the app settings of a function app: the process environment,
// merged over the Values of local.settings.json when running standalone.
// Names are matched exactly first and then case-insensitively, as the
// Functions host's configuration does. A nil *Settings is empty.
type Settings struct {
	values map[string]string
	names  []string // sorted
}

// LoadSettings builds the app settings for the function app in dir.
//
// environ is a list of "NAME=value" strings (usually os.Environ()). When
// useLocalSettings is true (standalone mode), the Values of
// dir/local.settings.json are added for names the environment does not
// define; a missing file is not an error. Behind the Functions host pass
// false: the host has already turned local.settings.json into environment
// variables.
func LoadSettings(dir string, useLocalSettings bool, environ []string) (*Settings, error) {
	values := make(map[string]string)
	if useLocalSettings {
		local, err := readLocalSettings(filepath.Join(dir, LocalSettingsFile))
		if err != nil {
			return nil, err
		}
		for k, v := range local {
			values[k] = v
		}
	}
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		values[name] = value
	}
	return newSettings(values), nil
}

func newSettings(values map[string]string) *Settings {
	s := &Settings{values: values}
	for k := range values {
		s.names = append(s.names, k)
	}
	sort.Strings(s.names)
	return s
}

// Lookup returns the value of a setting and whether it is defined.
func (s *Settings) Lookup(name string) (string, bool) {
	if s == nil {
		return "", false
	}
	if v, ok := s.values[name]; ok {
		return v, true
	}
	for _, n := range s.names {
		if strings.EqualFold(n, name) {
			return s.values[n], true
		}
	}
	return "", false
}

// Get returns the value of a setting, or "" when it is not defined.
func (s *Settings) Get(name string) string {
	v, _ := s.Lookup(name)
	return v
}

// Names returns the names of all settings, sorted.
func (s *Settings) Names() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.names...)
}

// readLocalSettings returns the Values section of a local.settings.json.
func readLocalSettings(path string) (map[string]string, error) {
	var file struct {
		IsEncrypted bool
		Values      map[string]any
	}
	err := readJSONFile(path, path, &file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading app settings: %w", err)
	}
	if file.IsEncrypted {
		return nil, fmt.Errorf("%s: IsEncrypted is true; decrypt it with \"func settings decrypt\" or set it to false", path)
	}
	out := make(map[string]string, len(file.Values))
	var p problems
	for k, v := range file.Values {
		switch t := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = t
		case json.Number, bool:
			out[k] = fmt.Sprint(t)
		default:
			p.add(fmt.Sprintf("%s: Values.%s: must be a string, got %s", path, k, describeValue(v)))
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// fileExists reports whether path names an existing regular file.
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
