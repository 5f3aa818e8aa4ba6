package dashboard_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rows reads the instance table: id, name and status of each row.
func rows(b *browser) [][3]string {
	b.t.Helper()
	return eval[[][3]string](b, `[...document.querySelectorAll('#instances-table tbody tr')].map(tr =>
		[tr.dataset.instanceId, tr.cells[1].innerText, tr.cells[2].innerText])`)
}

// applyFilters submits the filter form and waits for the new page.
func applyFilters(b *browser) {
	b.t.Helper()
	b.loading(func() { b.click("#apply-filters") })
}

func TestTheListFiltersAndPagesThroughThreeHundredInstances(t *testing.T) {
	a := startSampleApp(t)
	seedBatch(t, a)
	b := newBrowser(t, 1280, 900)
	b.open(a.dashboardURL(""))
	b.settled()

	t.Run("the first page shows 100 instances and says there are more", func(t *testing.T) {
		b := b.on(t)
		if got := len(rows(b)); got != 100 {
			b.fail("the first page shows %d rows, want 100", got)
		}
		if s := b.text("#list-summary"); !strings.Contains(s, "100 instances") || !strings.Contains(s, "more on the next page") {
			b.fail("summary %q", s)
		}
	})

	t.Run("the next-page button walks every instance once, one request per page", func(t *testing.T) {
		b := b.on(t)
		before := len(b.requested(apiPath + "/instances?"))
		seen := map[string]bool{}
		pages := 0
		for {
			pages++
			for _, r := range rows(b) {
				if seen[r[0]] {
					b.fail("instance %s shown twice", r[0])
				}
				seen[r[0]] = true
			}
			if eval[bool](b, `document.querySelector('#next-page').disabled`) {
				break
			}
			if pages > 5 {
				b.fail("more than 5 pages for 300 instances")
			}
			b.loading(func() { b.click("#next-page") })
			if got, want := b.text("#page-number"), fmt.Sprintf("Page %d", pages+1); got != want {
				b.fail("after Next the pager says %q, want %q", got, want)
			}
		}
		if len(seen) != 300 {
			b.fail("the pages showed %d instances, want 300", len(seen))
		}
		if got := len(b.requested(apiPath+"/instances?")) - before; got != pages-1 {
			t.Errorf("%d list requests for %d page turns, want one each", got, pages-1)
		}
		b.loading(func() { b.click("#prev-page") })
		if got := b.text("#page-number"); got != fmt.Sprintf("Page %d", pages-1) {
			b.fail("after Previous the pager says %q", got)
		}
	})

	t.Run("the status filter shows only running instances", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.check(`form.filters input[name=status][value=Running]`, true)
		applyFilters(b)
		got := rows(b)
		if len(got) != 50 {
			b.fail("%d rows with status Running, want 50", len(got))
		}
		for _, r := range got {
			if r[2] != "Running" || r[1] != "ApprovalWorkflow" {
				b.fail("row %v under the Running filter", r)
			}
		}
		if !strings.Contains(eval[string](b, `location.hash`), "status=Running") {
			b.fail("the filter is not in the page's address: %s", eval[string](b, `location.hash`))
		}
	})

	t.Run("the name filter matches part of the orchestration name", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.fill(`form.filters input[name=name]`, "fanout")
		applyFilters(b)
		got := rows(b)
		if len(got) != 100 {
			b.fail("%d rows for the name fanout, want 100", len(got))
		}
		for _, r := range got {
			if r[1] != "FanOutFanIn" {
				b.fail("row %v under the name filter", r)
			}
		}
	})

	t.Run("the id prefix filter narrows to ten instances", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.fill(`form.filters input[name=prefix]`, "batch-hello-00")
		applyFilters(b)
		var ids []string
		for _, r := range rows(b) {
			ids = append(ids, r[0])
		}
		want := []string{}
		for i := range 10 {
			want = append(want, fmt.Sprintf("batch-hello-%03d", i))
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			b.fail("prefix batch-hello-00 shows %v", ids)
		}
	})

	t.Run("a smaller page size pages through the completed instances", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.check(`form.filters input[name=status][value=Completed]`, true)
		b.fill(`form.filters select[name=top]`, "25")
		applyFilters(b)
		first := rows(b)
		if len(first) != 25 || eval[bool](b, `document.querySelector('#next-page').disabled`) {
			b.fail("%d rows and no next page with 25 per page", len(first))
		}
		b.loading(func() { b.click("#next-page") })
		second := rows(b)
		if len(second) != 25 || second[0][0] == first[0][0] {
			b.fail("page 2 shows %d rows starting with %v", len(second), second[0])
		}
	})

	t.Run("a column header sorts the page both ways", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.loading(func() { b.click(`button[data-sort=instanceId]`) })
		if b.count(`th[aria-sort=descending] button[data-sort=instanceId]`) != 1 {
			b.fail("the Instance id header does not say it sorts descending")
		}
		ids := func() []string {
			var out []string
			for _, r := range rows(b) {
				out = append(out, r[0])
			}
			return out
		}
		desc := ids()
		if !slices.IsSortedFunc(desc, func(x, y string) int { return strings.Compare(y, x) }) {
			b.fail("not sorted descending: %v", desc[:5])
		}
		b.loading(func() { b.click(`button[data-sort=instanceId]`) })
		if b.count(`th[aria-sort=ascending] button[data-sort=instanceId]`) != 1 {
			b.fail("the Instance id header does not say it sorts ascending")
		}
		if asc := ids(); !slices.IsSorted(asc) {
			b.fail("not sorted ascending: %v", asc[:5])
		}
	})

	t.Run("a time range in the future matches nothing", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.fill(`form.filters select[name=range]`, "custom")
		b.fill(`form.filters input[name=from]`, "2999-01-01T00:00:00")
		applyFilters(b)
		if got := b.text("#list-summary"); !strings.Contains(got, "No instances match") {
			b.fail("summary %q for a range in the future", got)
		}
		b.fill(`form.filters select[name=range]`, "1h")
		applyFilters(b)
		if got := len(rows(b)); got != 100 {
			b.fail("%d rows created in the last hour, want a full page of 100", got)
		}
	})

	t.Run("auto-refresh fetches the page again by itself", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.loading(func() { b.fill("#auto-refresh", "5") })
		before := len(b.requested(apiPath + "/instances?"))
		b.loading(func() {}) // the next load is the refresh's
		if got := len(b.requested(apiPath+"/instances?")) - before; got != 1 {
			b.fail("%d list requests in one refresh, want 1", got)
		}
		b.fill("#auto-refresh", "0")
	})

	t.Run("the time histogram counts every filtered instance by status", func(t *testing.T) {
		b := b.on(t)
		b.loading(func() { b.click("#reset-filters") })
		b.loading(func() { b.click("#view-histogram") })
		if got := b.text("#histogram-status"); !strings.Contains(got, "all 300 matching instances") {
			b.fail("histogram status %q", got)
		}
		legend := b.text(".histogram .legend")
		if !strings.Contains(legend, "Completed: 250") || !strings.Contains(legend, "Running: 50") {
			b.fail("histogram legend %q", legend)
		}
		if n := b.count(".histogram .bar button:not([disabled])"); n < 1 {
			b.fail("no bars in the histogram")
		}
		// A bar lists its interval's instances in the table.
		b.loading(func() { b.click(".histogram .bar button:not([disabled])") })
		if len(rows(b)) == 0 {
			b.fail("the bar's interval lists no instances")
		}
		if !strings.Contains(eval[string](b, `location.hash`), "range=custom") {
			b.fail("picking a bar did not set the time range: %s", eval[string](b, `location.hash`))
		}
	})
}
