package extension

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Mode is how the binary runs its durable functions.
type Mode int

const (
	// Native: the binary runs its own durable engine over its own store.
	Native Mode = iota
	// Extended: the Functions host's Durable extension owns the task hub
	// and invokes the binary over the passthrough protocol.
	Extended
)

func (m Mode) String() string {
	if m == Extended {
		return "extension"
	}
	return "native"
}

// ModeSetting is the app setting that forces a mode: "extension",
// "native" or "auto" (the default).
const ModeSetting = "DURABLE_GO_MODE"

// Decision is the chosen mode and why, for the start-up log.
type Decision struct {
	Mode   Mode
	Reason string
}

// DetectMode chooses the mode from the app's host.json and settings: an
// explicit DURABLE_GO_MODE wins; otherwise extension mode is chosen when
// the binary runs behind the host (FUNCTIONS_CUSTOMHANDLER_PORT is set)
// and host.json loads an extension bundle (so the host's Durable extension
// is there). A bundle with FUNCTIONS_WORKER_RUNTIME other than "custom"
// is an error: the extension would then speak its JSON protocol.
func DetectMode(appDir string, getenv func(string) string) (Decision, error) {
	behindHost := getenv("FUNCTIONS_CUSTOMHANDLER_PORT") != "" || getenv("FUNCTIONS_HTTPWORKER_PORT") != ""
	bundle, err := hasExtensionBundle(appDir)
	if err != nil {
		return Decision{}, err
	}
	runtime := getenv("FUNCTIONS_WORKER_RUNTIME")
	switch strings.ToLower(strings.TrimSpace(getenv(ModeSetting))) {
	case "extension":
		if !behindHost {
			return Decision{}, fmt.Errorf("%s=extension, but FUNCTIONS_CUSTOMHANDLER_PORT is not set: extension mode runs only behind the Functions host (func start, or Azure)", ModeSetting)
		}
		if !strings.EqualFold(runtime, "custom") {
			return Decision{}, runtimeMismatch(runtime)
		}
		return Decision{Extended, ModeSetting + "=extension"}, nil
	case "native":
		return Decision{Native, ModeSetting + "=native"}, nil
	case "", "auto":
	default:
		return Decision{}, fmt.Errorf("%s=%q: want extension, native or auto", ModeSetting, getenv(ModeSetting))
	}
	switch {
	case !behindHost:
		return Decision{Native, "standalone (no FUNCTIONS_CUSTOMHANDLER_PORT): the binary is its own host"}, nil
	case !bundle:
		return Decision{Native, "behind the host, and host.json loads no extension bundle: the embedded engine owns the task hub"}, nil
	case !strings.EqualFold(runtime, "custom"):
		return Decision{}, runtimeMismatch(runtime)
	}
	return Decision{Extended, "behind the host, host.json loads the extension bundle and FUNCTIONS_WORKER_RUNTIME=custom: the host's Durable extension owns the task hub"}, nil
}

func runtimeMismatch(runtime string) error {
	return fmt.Errorf("host.json loads the extension bundle, so the host's Durable extension owns the task hub, but FUNCTIONS_WORKER_RUNTIME is %q: "+
		"the extension then uses its JSON protocol, which this binary does not speak. Set FUNCTIONS_WORKER_RUNTIME=custom "+
		"(local.settings.json Values, or the app settings in Azure), or remove extensionBundle from host.json to run the embedded engine (or set %s=native)", runtime, ModeSetting)
}

// hasExtensionBundle reports whether host.json declares an extension
// bundle (a missing host.json has none).
func hasExtensionBundle(appDir string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(appDir, "host.json"))
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b, &h); err != nil {
		return false, fmt.Errorf("host.json: %w", err)
	}
	for k, v := range h {
		if strings.EqualFold(k, "extensionBundle") && string(v) != "null" {
			return true, nil
		}
	}
	return false, nil
}
