package dashboard_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// lowContrast lists the visible text elements whose colour has less than
// 4.5:1 contrast with the background behind them (WCAG AA).
const lowContrast = `(() => {
	const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
	const lum = ([r, g, b]) => {
		const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
	};
	const background = (el) => {
		for (let e = el; e; e = e.parentElement) {
			const c = rgb(getComputedStyle(e).backgroundColor);
			if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
		}
		return [255, 255, 255];
	};
	const bad = [];
	for (const el of document.querySelectorAll('main *, header *')) {
		const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
		if (!own || el.closest('[hidden]') || !el.getClientRects().length) continue;
		const fg = rgb(getComputedStyle(el).color).slice(0, 3);
		const [a, b] = [lum(fg), lum(background(el))].sort((x, y) => y - x);
		const ratio = (a + 0.05) / (b + 0.05);
		if (ratio < 4.5) bad.push(el.tagName + '.' + el.className + ' "' + el.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2));
	}
	return bad;
})()`

// unlabelled lists the form fields that have no accessible name.
const unlabelled = `[...document.querySelectorAll('input, select, textarea')]
	.filter((el) => el.type !== 'hidden' && !el.labels.length && !el.getAttribute('aria-label'))
	.map((el) => el.outerHTML.slice(0, 80))`

func TestThePageIsAccessible(t *testing.T) {
	a := startSampleApp(t)
	retry := seedVariety(t, a)
	b := newBrowser(t, 1280, 900)

	for _, route := range []string{"", "/instances/" + retry, "/instances/transfer-1?tab=history", "/entities"} {
		t.Run("the text of "+route+" has enough contrast and every field a label", func(t *testing.T) {
			b := b.on(t)
			b.open(a.dashboardURL(route))
			b.settled()
			if bad := eval[[]string](b, lowContrast); len(bad) > 0 {
				b.fail("text below 4.5:1 contrast: %v", bad)
			}
			if bad := eval[[]string](b, unlabelled); len(bad) > 0 {
				b.fail("fields without a label: %v", bad)
			}
		})
	}

	t.Run("a dialog opens from the keyboard, starts on Cancel and Escape gives the focus back", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL("/instances/approval-1"))
		b.settled()
		eval[bool](b, `(document.querySelector('#action-terminate').focus(), true)`)
		b.do("press Enter", chromedp.KeyEvent(kb.Enter))
		b.waitFor(`document.querySelector('dialog[open]') !== null`)
		if !eval[bool](b, `document.activeElement.matches('dialog [data-cancel]')`) {
			b.fail("the focus is on %s, want Cancel", eval[string](b, `document.activeElement.outerHTML.slice(0, 60)`))
		}
		b.do("press Escape", chromedp.KeyEvent(kb.Escape))
		b.waitFor(`document.querySelector('dialog') === null`)
		if !eval[bool](b, `document.activeElement.id === 'action-terminate'`) {
			b.fail("after Escape the focus is on %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 60)`))
		}
		if st := b.text("#instance-status"); st != "Running" {
			b.fail("Escape changed the instance: %s", st)
		}
	})

	t.Run("Enter in a filter field applies the filters", func(t *testing.T) {
		b := b.on(t)
		b.open(a.dashboardURL(""))
		b.settled()
		b.loading(func() { b.typeText(`form.filters input[name=name]`, "Transfer"+kb.Enter) })
		if got := rows(b); len(got) != 1 || got[0][1] != "TransferFunds" {
			b.fail("rows %v after typing Transfer and Enter", got)
		}
	})
}

func TestThePageFitsANarrowScreen(t *testing.T) {
	a := startSampleApp(t)
	retry := seedVariety(t, a)
	b := newBrowser(t, 390, 844)
	for _, route := range []string{"", "/instances/" + retry, "/instances/monitor-1", "/instances/transfer-1?tab=entities", "/entities", "/?view=histogram"} {
		t.Run(fmt.Sprintf("%q needs no sideways scrolling of the page", route), func(t *testing.T) {
			b := b.on(t)
			b.open(a.dashboardURL(route))
			b.settled()
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
				b.fail("the page is %d px wide on a 390 px screen", w)
			}
		})
	}
}
