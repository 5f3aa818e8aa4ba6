package redisserver

import (
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestAServerAnswersAndKeepsAcknowledgedWritesAcrossAKillWithAppendFsyncAlways(t *testing.T) {
	s := Start(t, Options{AppendFsync: "always"})
	if _, err := Command(s.Addr(), "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if s.Running() {
		t.Fatal("server still running after Kill")
	}
	if err := s.StartAgain(); err != nil {
		t.Fatal(err)
	}
	if v, err := Command(s.Addr(), "GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET k after a kill and restart = %q, %v; want v", v, err)
	}
}

func TestAClusterOfThreeNodesCoversEverySlot(t *testing.T) {
	c := SharedCluster(t)
	info, err := Command(c.Nodes[0].Addr(), "CLUSTER", "INFO")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cluster_state:ok", "cluster_slots_assigned:16384", "cluster_known_nodes:3"} {
		if !strings.Contains(info, want) {
			t.Fatalf("CLUSTER INFO lacks %s:\n%s", want, info)
		}
	}
}
