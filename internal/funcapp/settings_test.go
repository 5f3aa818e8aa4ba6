package funcapp

import (
	"reflect"
	"testing"
)

func TestSettingsMergeEnvironmentOverLocalSettings(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"local.settings.json": `{"IsEncrypted": false, "Values": {"A": "local", "B": "local", "N": 5, "Flag": true}, "Host": {"LocalHttpPort": 7071}}`,
	})
	tests := []struct {
		name     string
		useLocal bool
		environ  []string
		want     map[string]string
	}{
		{"standalone reads local settings and the environment wins", true, []string{"B=env", "C=env"},
			map[string]string{"A": "local", "B": "env", "C": "env", "N": "5", "Flag": "true"}},
		{"behind the host only the environment counts", false, []string{"B=env"},
			map[string]string{"A": "", "B": "env"}},
		{"names are matched case-insensitively when no exact match exists", true, []string{"azurewebjobsstorage=x"},
			map[string]string{"AzureWebJobsStorage": "x", "a": "local"}},
		{"values may contain equals signs", false, []string{"Conn=a=b;c=d"},
			map[string]string{"Conn": "a=b;c=d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadSettings(dir, tt.useLocal, tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got := s.Get(k); got != v {
					t.Errorf("Get(%q) = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestSettingsReportBadLocalSettings(t *testing.T) {
	tests := []struct {
		name, content string
		want          []string
	}{
		{"an encrypted file", `{"IsEncrypted": true, "Values": {}}`, []string{"IsEncrypted is true"}},
		{"a non-scalar value", `{"Values": {"Obj": {"a": 1}}}`, []string{"Values.Obj: must be a string, got an object"}},
		{"invalid JSON", `{"Values": `, []string{"local.settings.json", "invalid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeApp(t, map[string]string{"local.settings.json": tt.content})
			_, err := LoadSettings(dir, true, nil)
			mustContainAll(t, err, tt.want...)
		})
	}
}

func TestSettingsWithoutALocalFileAreJustTheEnvironment(t *testing.T) {
	s, err := LoadSettings(t.TempDir(), true, []string{"X=1", "broken", "=nameless"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Names(), []string{"X"}) {
		t.Errorf("Names() = %v", s.Names())
	}
	var nilSettings *Settings
	if nilSettings.Get("X") != "" || nilSettings.Names() != nil {
		t.Error("a nil *Settings is not empty")
	}
}

func TestLocalSettingsOverridesApplyToHostJSONInStandaloneMode(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"host.json":           minimalHost,
		"local.settings.json": `{"Values": {"AzureFunctionsJobHost__extensions__durableTask__hubName": "LocalHub"}}`,
	})
	s, err := LoadSettings(dir, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	app, err := LoadAppWithSettings(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if app.Host.DurableTask.HubName != "LocalHub" {
		t.Errorf("hubName = %q", app.Host.DurableTask.HubName)
	}
}
