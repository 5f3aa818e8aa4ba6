package dashboard_test

// A headless Chromium driven over the DevTools protocol (chromedp). The tests
// act as a person does: they open the page, click, type and read what is
// on the screen. Every uncaught exception and console error of the page
// fails the test: a policy violation or a broken module shows up there.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Chromium. Without it the test is skipped, except in
// CI (CI set), where it fails: `make test` installs it (make chromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium is not installed: the dashboard's browser tests need it (make chromium, or apt-get install -y chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one Chromium tab, driven for one test.
type browser struct {
	t *testing.T
	*tab
}

// tab is the Chromium tab and what it reported.
type tab struct {
	ctx context.Context

	mu       sync.Mutex
	requests []string // every URL the page requested
	problems []string // exceptions and console errors
}

// on returns the same tab driven for the subtest t, so that its failures
// are t's.
func (b *browser) on(t *testing.T) *browser { return &browser{t: t, tab: b.tab} }

// newBrowser starts Chromium with a viewport of width x height and a fresh
// profile; it stops when the test ends.
func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, tab: &tab{ctx: ctx}}
	if err := chromedp.Listen(ctx, b.onEvent); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
			return err
		}),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, log.Enable, cdp.Empty{})
			return err
		}),
		chromedp.EmulateViewport(int64(width), int64(height)),
	); err != nil {
		t.Fatalf("set up Chromium: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("the page reported: %s", p)
		}
	})
	return b
}

func (b *tab) onEvent(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.Method+" "+ev.Request.URL)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.problems = append(b.problems, "uncaught exception: "+text)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == "error" {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			b.problems = append(b.problems, "console.error: "+strings.Join(parts, " "))
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		// A 4xx from the API is an answer the page shows (a purged
		// instance, a refused start); any failure of the page's own
		// files, or a 5xx, is a fault.
		apiRefusal := strings.Contains(e.Text, "status of 4") && !strings.Contains(e.URL, "/ui/")
		if e.Level == log.EntryLevelError && !apiRefusal {
			b.problems = append(b.problems, fmt.Sprintf("%s: %s (%s)", e.Source, e.Text, e.URL))
		}
	}
}

// requested returns the requests made so far whose URL contains part.
func (b *tab) requested(part string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, r := range b.requests {
		if strings.Contains(r, part) {
			out = append(out, r)
		}
	}
	return out
}

func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitLong)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// fail saves a screenshot of what the page showed, then fails the test.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		// Kept after the test, unlike t.TempDir, so that it can be looked at.
		dir := filepath.Join(os.TempDir(), "dashboard-test-failures")
		p := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())+".png")
		if os.MkdirAll(dir, 0o755) == nil && os.WriteFile(p, png, 0o644) == nil {
			format += "\n(screenshot of the page: %s)"
			args = append(args, p)
		}
	}
	b.t.Fatalf(format, args...)
}

// open loads url and waits until the page has drawn its first view.
func (b *browser) open(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url))
	b.waitFor(`document.querySelector('main h1') !== null`)
}

// waitFor waits until the JavaScript expression is true.
func (b *browser) waitFor(expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitLong)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(waitLong))); err != nil {
		b.fail("waiting for %s: %v", expr, err)
	}
}

// loading runs act (a click, a keypress) and waits until the data load it
// starts has finished: the page counts its finished loads in the root
// element's data-loads attribute.
func (b *browser) loading(act func()) {
	b.t.Helper()
	n := eval[string](b, `document.documentElement.dataset.loads || '0'`)
	act()
	b.waitFor(fmt.Sprintf(`Number(document.documentElement.dataset.loads || 0) > %s && document.querySelector('[aria-busy="true"]') === null`, n))
}

// reloadUntil presses the instance page's Refresh button until the
// JavaScript expression is true.
func (b *browser) reloadUntil(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(waitLong)
	for !eval[bool](b, expr) {
		if time.Now().After(deadline) {
			b.fail("still not %s after %v of refreshing", expr, waitLong)
		}
		time.Sleep(50 * time.Millisecond)
		b.loading(func() { b.click("#instance-reload") })
	}
}

// settled waits until nothing in the page is loading.
func (b *browser) settled() {
	b.t.Helper()
	b.waitFor(`document.querySelector('[aria-busy="true"]') === null`)
}

// eval runs a JavaScript expression and decodes its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitLong)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// click clicks the element the CSS selector finds, as a mouse does.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// fill sets the value of the field the selector finds and tells the page,
// as a person's typing or choosing would (input and change events).
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	ok := eval[bool](b, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) return false;
		el.focus();
		el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, sel, value))
	if !ok {
		b.fail("fill %s: no such element", sel)
	}
}

// typeText focuses the field and types text into it key by key.
func (b *browser) typeText(sel, text string) {
	b.t.Helper()
	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// check sets a checkbox to on.
func (b *browser) check(sel string, on bool) {
	b.t.Helper()
	if eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked`, sel)) != on {
		b.click(sel)
	}
}

// text is the visible text of the element the selector finds.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ''`, sel))
}

// count is how many elements the selector finds.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// screenshot saves the whole page as a PNG.
func (b *browser) screenshot(path string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitLong)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
