package redisstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/godurable/durablefunctions/durable/redisstore"
)

func TestOpenNamesTheAppSettingItFoundEmpty(t *testing.T) {
	_, err := redisstore.Open(context.Background(), redisstore.Options{HubName: "MyHub", Setting: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "RedisConnection") {
		t.Fatalf("Open with no connection = %v, want an error naming RedisConnection", err)
	}
	_, err = redisstore.Open(context.Background(), redisstore.Options{HubName: "MyHub", ConnectionName: "Cache", Setting: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "Cache") {
		t.Fatalf("Open with no connection = %v, want an error naming Cache", err)
	}
}

func TestConnectionValuesAreCheckedWithoutConnecting(t *testing.T) {
	for _, ok := range []string{"localhost:6379", "rediss://:k@h:6380", "h:6380,password=k,ssl=True,abortConnect=False"} {
		if err := redisstore.ValidateConnection(ok); err != nil {
			t.Errorf("ValidateConnection(%q) = %v", ok, err)
		}
	}
	if err := redisstore.ValidateConnection("h:port"); err == nil {
		t.Error("ValidateConnection(h:port) succeeded")
	}
}
