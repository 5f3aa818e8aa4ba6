package azurestorage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/godurable/durablefunctions/internal/azurite"
	"github.com/godurable/durablefunctions/internal/history"
	"github.com/godurable/durablefunctions/internal/store"
)

// tableNames lists the tables of the Azurite account whose names start
// with prefix.
func tableNames(t *testing.T, prefix string) []string {
	t.Helper()
	inst := azurite.Shared(t)
	cred, err := aztables.NewSharedKeyCredential(azurite.AccountName, azurite.AccountKey)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := aztables.NewServiceClientWithSharedKey(inst.TableEndpoint(), cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := svc.NewListTablesPager(nil); p.More(); {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range page.Tables {
			if strings.HasPrefix(*tb.Name, prefix) {
				out = append(out, *tb.Name)
			}
		}
	}
	return out
}

func TestTheTrackingStoreLivesInTheTrackingAccountUnderItsPrefix(t *testing.T) {
	inst := azurite.Shared(t)
	// The hub's own connection cannot reach a table service: if the
	// store used it for History or Instances, Open would fail.
	noTables := strings.Replace(inst.ConnectionString(), "TableEndpoint="+inst.TableEndpoint(), "TableEndpoint=http://127.0.0.1:1/"+azurite.AccountName, 1)
	settings := map[string]string{"AzureWebJobsStorage": noTables, "TrackingStorage": inst.ConnectionString()}
	get := func(k string) string { return settings[k] }
	main, err := ConnectionFromSettings("AzureWebJobsStorage", get)
	if err != nil {
		t.Fatal(err)
	}
	tracking, err := ConnectionFromSettings("TrackingStorage", get)
	if err != nil {
		t.Fatal(err)
	}
	hub := uniqueHub()
	prefix := "Trk" + hub
	cfg := testConfig(t, hub, nil)
	cfg.Connection, cfg.TrackingConnection, cfg.TrackingNamePrefix = main, &tracking, prefix
	s := openTest(t, cfg)
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := history.NewExecutionStarted(time.Now(), "Orch", "tracked", "tracked-1", "", nil, nil)
	if err := s.CreateInstance(ctx, start, store.CreateOptions{}); err != nil {
		t.Fatalf("CreateInstance with the tracking store in the tracking account: %v", err)
	}
	if in, err := s.GetInstance(ctx, "tracked"); err != nil || in.InstanceID != "tracked" {
		t.Fatalf("GetInstance = %+v, %v", in, err)
	}
	if got := tableNames(t, prefix); len(got) != 2 || got[0] != prefix+"History" || got[1] != prefix+"Instances" {
		t.Fatalf("tables under the prefix %s: %q; want %sHistory and %sInstances", prefix, got, prefix, prefix)
	}
	if got := tableNames(t, hub); len(got) != 0 {
		t.Fatalf("tables named after the hub: %q; want none (the tracking store has its own prefix)", got)
	}
}

func TestTrackingTableNamesFollowDurableFunctions(t *testing.T) {
	tests := []struct {
		name              string
		separate          bool
		prefix            string
		history, instance string
	}{
		{"the hub's own account ignores a prefix", false, "Pre", "MyHubHistory", "MyHubInstances"},
		{"a tracking account uses the prefix", true, "Pre", "PreHistory", "PreInstances"},
		{"a tracking account without a prefix uses DurableTask", true, "", "DurableTaskHistory", "DurableTaskInstances"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, i := TrackingTableNames("MyHub", tt.separate, tt.prefix)
			if h != tt.history || i != tt.instance {
				t.Fatalf("TrackingTableNames = %s, %s; want %s, %s", h, i, tt.history, tt.instance)
			}
		})
	}
	for _, bad := range []string{"1abc", "a-b", strings.Repeat("a", 55)} {
		if err := ValidateTrackingNamePrefix(bad); err == nil {
			t.Errorf("ValidateTrackingNamePrefix(%q) accepted it; want an error (not a table name)", bad)
		}
	}
}
