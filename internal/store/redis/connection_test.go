package redis

import (
	"reflect"
	"testing"
	"time"
)

func TestConnectionValuesInEveryFormAreUnderstood(t *testing.T) {
	cases := []struct {
		in   string
		want Connection
		tls  string // expected TLS server name, "" for no TLS
	}{
		{"localhost:6379", Connection{Addrs: []string{"localhost:6379"}}, ""},
		{"cache.internal", Connection{Addrs: []string{"cache.internal:6379"}}, ""},
		{"redis://:secret@10.0.0.5:6380/2", Connection{Addrs: []string{"10.0.0.5:6380"}, Password: "secret", DB: 2}, ""},
		{"redis://app:secret@h:1?cluster=yes&addr=h2:2&addr=h3:3", Connection{Addrs: []string{"h:1", "h2:2", "h3:3"},
			Username: "app", Password: "secret", Cluster: "yes"}, ""},
		{"rediss://default:key@mycache.redis.cache.windows.net:6380", Connection{Addrs: []string{"mycache.redis.cache.windows.net:6380"},
			Username: "default", Password: "key"}, "mycache.redis.cache.windows.net"},
		{"mycache.redis.cache.windows.net:6380,password=k3y=,ssl=True,abortConnect=False", Connection{
			Addrs: []string{"mycache.redis.cache.windows.net:6380"}, Password: "k3y="}, "mycache.redis.cache.windows.net"},
		{"a:1,b:2,password=p,connectTimeout=1500,defaultDatabase=3", Connection{Addrs: []string{"a:1", "b:2"}, Password: "p",
			DB: 3, DialTimeout: 1500 * time.Millisecond}, ""},
	}
	for _, c := range cases {
		got, err := ParseConnection(c.in)
		if err != nil {
			t.Errorf("ParseConnection(%q): %v", c.in, err)
			continue
		}
		name := ""
		if got.TLS != nil {
			name = got.TLS.ServerName
		}
		if name != c.tls {
			t.Errorf("ParseConnection(%q): TLS server name %q, want %q", c.in, name, c.tls)
		}
		got.TLS = nil
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseConnection(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestBadConnectionValuesAreRefusedWithTheReason(t *testing.T) {
	for _, in := range []string{"", "redis://", "host:notaport", "password=x,ssl=true", "redis://h:1/zero", "h:1,ssl=maybe"} {
		if _, err := ParseConnection(in); err == nil {
			t.Errorf("ParseConnection(%q) succeeded", in)
		}
	}
}

func TestRedactedConnectionsDoNotShowThePassword(t *testing.T) {
	c, _ := ParseConnection("h:6380,password=s3cret,ssl=true")
	if got := c.Redacted(); got != "h:6380 password=*** tls" {
		t.Fatalf("Redacted() = %q", got)
	}
}
