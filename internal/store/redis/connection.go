package redis

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Connection says how to reach Redis.
type Connection struct {
	// Addrs are "host:port" endpoints: one for a single server, or seeds
	// of a cluster.
	Addrs    []string
	Username string
	Password string
	DB       int
	// TLS, when set, encrypts the connection (Azure Cache for Redis: port
	// 6380, TLS and an access key).
	TLS *tls.Config
	// Cluster: "" detects it (INFO cluster on the first address), "yes"
	// or "no" force it.
	Cluster     string
	DialTimeout time.Duration
}

// ParseConnection reads a connection value in any of three forms:
//
//	localhost:6379                                       host:port (port 6379 when left out)
//	redis://user:password@host:6379/0?cluster=yes        URL; rediss:// turns TLS on;
//	                                                     more seeds with &addr=host:port
//	mycache.redis.cache.windows.net:6380,password=KEY,ssl=True,abortConnect=False
//	                                                     the StackExchange.Redis form the
//	                                                     Azure portal shows
func ParseConnection(s string) (Connection, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Connection{}, fmt.Errorf("redis store: empty connection string")
	case strings.HasPrefix(s, "redis://"), strings.HasPrefix(s, "rediss://"):
		return parseURL(s)
	case strings.ContainsAny(s, ",="):
		return parseStackExchange(s)
	}
	addr, err := normalizeAddr(s)
	if err != nil {
		return Connection{}, err
	}
	return Connection{Addrs: []string{addr}}, nil
}

func normalizeAddr(a string) (string, error) {
	a = strings.TrimSpace(a)
	if a == "" {
		return "", fmt.Errorf("redis store: empty address")
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return net.JoinHostPort(strings.Trim(a, "[]"), "6379"), nil
		}
		return "", fmt.Errorf("redis store: address %q: %w", a, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("redis store: address %q: bad port", a)
	}
	return net.JoinHostPort(host, port), nil
}

func parseURL(s string) (Connection, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Connection{}, fmt.Errorf("redis store: connection URL: %w", err)
	}
	var c Connection
	if u.Scheme == "rediss" {
		c.TLS = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if _, ok := u.User.Password(); !ok {
			// redis://:password@host and redis://password@host both mean a
			// password for the default user.
			c.Password, c.Username = c.Username, ""
		}
	}
	if u.Host != "" {
		addr, err := normalizeAddr(u.Host)
		if err != nil {
			return Connection{}, err
		}
		c.Addrs = append(c.Addrs, addr)
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if c.DB, err = strconv.Atoi(p); err != nil {
			return Connection{}, fmt.Errorf("redis store: database %q is not a number", p)
		}
	}
	q := u.Query()
	for _, a := range q["addr"] {
		addr, err := normalizeAddr(a)
		if err != nil {
			return Connection{}, err
		}
		c.Addrs = append(c.Addrs, addr)
	}
	if v := q.Get("cluster"); v != "" {
		if c.Cluster, err = yesNo(v); err != nil {
			return Connection{}, err
		}
	}
	if v := q.Get("dial_timeout"); v != "" {
		if c.DialTimeout, err = time.ParseDuration(v); err != nil {
			return Connection{}, fmt.Errorf("redis store: dial_timeout: %w", err)
		}
	}
	if len(c.Addrs) == 0 {
		return Connection{}, fmt.Errorf("redis store: connection URL names no host")
	}
	return c, nil
}

func parseStackExchange(s string) (Connection, error) {
	var c Connection
	ssl, sslHost := false, ""
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, isOpt := strings.Cut(part, "=")
		if !isOpt {
			addr, err := normalizeAddr(part)
			if err != nil {
				return Connection{}, err
			}
			c.Addrs = append(c.Addrs, addr)
			continue
		}
		var err error
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "password":
			c.Password = v
		case "user":
			c.Username = v
		case "ssl":
			ssl, err = strconv.ParseBool(v)
		case "sslhost":
			sslHost = v
		case "defaultdatabase":
			c.DB, err = strconv.Atoi(v)
		case "connecttimeout":
			var ms int
			ms, err = strconv.Atoi(v)
			c.DialTimeout = time.Duration(ms) * time.Millisecond
		case "cluster":
			c.Cluster, err = yesNo(v)
		default:
			// abortConnect, syncTimeout, allowAdmin, name, ...: options of
			// the .NET client that mean nothing here.
		}
		if err != nil {
			return Connection{}, fmt.Errorf("redis store: connection option %s: %w", k, err)
		}
	}
	if len(c.Addrs) == 0 {
		return Connection{}, fmt.Errorf("redis store: connection string names no endpoint")
	}
	if ssl {
		host := sslHost
		if host == "" {
			host, _, _ = net.SplitHostPort(c.Addrs[0])
		}
		c.TLS = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	}
	return c, nil
}

func yesNo(v string) (string, error) {
	switch strings.ToLower(v) {
	case "yes", "true", "1":
		return "yes", nil
	case "no", "false", "0":
		return "no", nil
	case "auto", "":
		return "", nil
	}
	return "", fmt.Errorf("redis store: cluster=%q (want yes, no or auto)", v)
}

// Redacted describes c without its password, for logs.
func (c Connection) Redacted() string {
	var b strings.Builder
	b.WriteString(strings.Join(c.Addrs, ","))
	if c.Username != "" {
		b.WriteString(" user=" + c.Username)
	}
	if c.Password != "" {
		b.WriteString(" password=***")
	}
	if c.TLS != nil {
		b.WriteString(" tls")
	}
	if c.DB != 0 {
		b.WriteString(" db=" + strconv.Itoa(c.DB))
	}
	return b.String()
}
