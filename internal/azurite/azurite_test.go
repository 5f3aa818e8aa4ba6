package azurite

import (
	"net"
	"strconv"
	"testing"
	"time"
)

func dial(port int) error {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

func TestStartStopRestart(t *testing.T) {
	inst := Start(t)
	for _, p := range []int{inst.BlobPort, inst.QueuePort, inst.TablePort} {
		if err := dial(p); err != nil {
			t.Fatalf("port %d: %v", p, err)
		}
	}
	if err := inst.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := dial(inst.QueuePort); err == nil {
		t.Fatal("queue port still accepts connections after Stop")
	}
	if err := inst.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := dial(inst.TablePort); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	t.Log(inst.ConnectionString())
}
