package hostemu

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/godurable/durablefunctions/internal/funcapp"
)

// DefaultHostVersion is the version the emulator reports in the
// X-Azure-Functions-HostVersion and User-Agent headers.
const DefaultHostVersion = "4.0.0-hostemu"

// Host emulates the Azure Functions host in front of a custom handler.
// Create one with New; set the exported fields before the first call to
// make invocations deterministic. A Host is safe for concurrent use once
// configured.
type Host struct {
	// App is the function app whose functions are invoked.
	App *funcapp.App
	// HandlerURL is the custom handler's base URL, such as
	// "http://127.0.0.1:8080".
	HandlerURL string
	// Origin is the public base URL of the emulated host, used for the
	// Url of HTTP requests and for durable client URLs when a request
	// carries no host. Default "http://localhost:7071".
	Origin string
	// HostVersion is reported in request headers.
	HostVersion string
	// Client sends the requests. The default does not follow redirects,
	// as the host's client does not.
	Client *http.Client
	// RPCBaseURL, when set, makes durableClient bindings the extension's
	// passthrough form (extension mode): its gRPC endpoint, with
	// httpBaseUrl the host's management API.
	RPCBaseURL string
	// Now is the clock used for sys.UtcNow and trigger metadata.
	Now func() time.Time
	// NewID returns invocation ids, sys.RandGuid values and message ids.
	NewID func() string

	seq atomic.Int64 // Event Hubs sequence numbers
}

// New returns a Host that invokes the functions of app on the custom
// handler at handlerURL.
func New(app *funcapp.App, handlerURL string) *Host {
	return &Host{
		App:         app,
		HandlerURL:  strings.TrimSuffix(handlerURL, "/"),
		Origin:      "http://localhost:7071",
		HostVersion: DefaultHostVersion,
		Client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		Now:   time.Now,
		NewID: newGUID,
	}
}

// readinessPollInterval is how often the host probes the handler.
const readinessPollInterval = 25 * time.Millisecond

// WaitReady waits until the handler answers any HTTP request on its root
// URL, polling every 25 ms as the host does. Any status counts as ready;
// only connection errors keep it waiting. It gives up when ctx is done
// (the host's default limit is 30 s: pass a context with that deadline to
// mirror it).
func (h *Host) WaitReady(ctx context.Context) error {
	ticker := time.NewTicker(readinessPollInterval)
	defer ticker.Stop()
	var lastErr error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.HandlerURL+"/", nil)
		if err != nil {
			return fmt.Errorf("hostemu: readiness probe: %w", err)
		}
		resp, err := h.Client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("hostemu: custom handler at %s never became ready: %w (last error: %v)", h.HandlerURL, ctx.Err(), lastErr)
		case <-ticker.C:
		}
	}
}

// function returns the named function or an error naming the known ones.
func (h *Host) function(name string) (*funcapp.Function, error) {
	f := h.App.Function(name)
	if f == nil {
		names := make([]string, 0, len(h.App.Functions))
		for _, fn := range h.App.Functions {
			names = append(names, fn.Name)
		}
		return nil, fmt.Errorf("hostemu: no function %q in the app (have %s)", name, strings.Join(names, ", "))
	}
	if f.Trigger == nil {
		return nil, fmt.Errorf("hostemu: function %q has no trigger", name)
	}
	return f, nil
}

func (h *Host) requireKind(f *funcapp.Function, k funcapp.Kind) error {
	if f.Kind() != k {
		return fmt.Errorf("hostemu: function %s is a %s function, not %s", f.Name, f.Kind(), k)
	}
	return nil
}

// StatusError reports a non-2xx reply to an invocation, which the host
// treats as a failed invocation.
type StatusError struct {
	Function   string
	StatusCode int
	Body       []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("hostemu: invocation of %s failed: handler replied %d: %s", e.Function, e.StatusCode, truncate(e.Body))
}

// CheckError lists what is wrong with a reply the host would reject or
// silently misread. Invoke methods return it together with the decoded
// response.
type CheckError struct {
	Function string
	Problems []string
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("hostemu: reply of %s: %s", e.Function, strings.Join(e.Problems, "; "))
}

// IsCheckError reports whether err is (or wraps) a *CheckError.
func IsCheckError(err error) bool {
	var ce *CheckError
	return errors.As(err, &ce)
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func truncate(b []byte) string {
	const max = 512
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
