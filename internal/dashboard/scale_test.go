package dashboard_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
)

// With 10,000 instances in the store the page asks for one page of them and
// shows it: it never loads everything (only the histogram, which a person
// opens, counts every match). Counted, not timed.
func TestTheFirstListRequestWithTenThousandInstancesReturnsOnePage(t *testing.T) {
	a := startSampleApp(t)
	// Scheduled an hour ahead, the instances stay Pending: the store holds
	// 10,000 of them without the engine running any.
	later := durable.WithStartTime(time.Now().Add(time.Hour))
	for i := range 10000 {
		id := fmt.Sprintf("load-%05d", i)
		if _, err := a.client.StartNew(t.Context(), "HelloSequence", nil, durable.WithInstanceID(id), later); err != nil {
			t.Fatalf("start %s: %v", id, err)
		}
	}
	b := newBrowser(t, 1280, 900)
	b.open(a.dashboardURL(""))
	b.settled()

	lists := b.requested(apiPath + "/instances?")
	if len(lists) != 1 {
		b.fail("the page made %d list requests, want 1: %v", len(lists), lists)
	}
	if !strings.Contains(lists[0], "top=100") || !strings.Contains(lists[0], "showInput=false") {
		b.fail("the list request %s does not ask for one page of 100 without inputs", lists[0])
	}
	if n := b.count("#instances-table tbody tr"); n != 100 {
		b.fail("the page shows %d rows, want 100", n)
	}
	if eval[bool](b, `document.querySelector('#next-page').disabled`) {
		b.fail("no next page with 10,000 instances")
	}
	// Nothing else loads later on its own.
	time.Sleep(time.Second)
	if n := len(b.requested(apiPath + "/instances")); n != 1 {
		b.fail("%d requests for instances a second after the first page, want still 1: %v", n, b.requested(apiPath+"/instances"))
	}
}
