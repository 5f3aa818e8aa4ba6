package redis

import (
	"context"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Durability describes what a Redis server keeps of acknowledged writes
// when it crashes, read from CONFIG GET (or INFO persistence where CONFIG
// is disabled, as on Azure Cache for Redis).
type Durability struct {
	AppendOnly  bool   // AOF on
	AppendFsync string // "always", "everysec", "no" ("" when unknown)
	RDB         bool   // RDB snapshots configured
	Known       bool   // the settings could be read
}

// Safe reports whether an acknowledged write survives a crash of the
// Redis process: the AOF is on (with "always" it survives a power loss
// too; with "everysec" up to about a second may be lost then).
func (d Durability) Safe() bool { return d.AppendOnly }

// ReadDurability reads the persistence settings of the node behind c.
func ReadDurability(ctx context.Context, c goredis.Cmdable) Durability {
	if v, err := c.ConfigGet(ctx, "appendonly").Result(); err == nil && len(v) > 0 {
		d := Durability{Known: true, AppendOnly: v["appendonly"] == "yes"}
		if f, err := c.ConfigGet(ctx, "appendfsync").Result(); err == nil {
			d.AppendFsync = f["appendfsync"]
		}
		if sv, err := c.ConfigGet(ctx, "save").Result(); err == nil {
			d.RDB = strings.TrimSpace(sv["save"]) != ""
		}
		return d
	}
	info, err := c.Info(ctx, "persistence").Result()
	if err != nil {
		return Durability{}
	}
	d := Durability{Known: true}
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		switch k {
		case "aof_enabled":
			d.AppendOnly = v == "1"
		case "rdb_last_save_time", "rdb_saves":
			// An RDB file exists or has been written; whether snapshots
			// run on a schedule INFO does not say.
			d.RDB = d.RDB || (k == "rdb_saves" && v != "0")
		}
	}
	return d
}

// warnDurability logs, once at Open, when the server (every primary of a
// cluster) cannot keep acknowledged writes through a crash.
func (s *Store) warnDurability(ctx context.Context) {
	check := func(ctx context.Context, c goredis.Cmdable, node string) {
		d := ReadDurability(ctx, c)
		switch {
		case !d.Known:
			s.log.Warn("redis store: cannot read the server's persistence settings (CONFIG and INFO refused); make sure appendonly is on, or a Redis restart loses acknowledged work",
				"node", node)
		case !d.AppendOnly && d.RDB:
			s.log.Warn("redis store: the server keeps only RDB snapshots (appendonly no): a Redis crash loses everything acknowledged since the last snapshot, including started orchestrations and raised events; set appendonly yes (appendfsync always for no loss at all, see docs/redis.md)",
				"node", node)
		case !d.AppendOnly:
			s.log.Warn("redis store: the server has no persistence (appendonly no, no RDB snapshots): a Redis restart loses every instance; set appendonly yes (see docs/redis.md)",
				"node", node)
		case d.AppendFsync != "always":
			s.log.Info("redis store: appendfsync is "+d.AppendFsync+": a Redis process crash keeps acknowledged writes, a machine crash or power loss can lose about the last second of them",
				"node", node)
		}
	}
	if cc, ok := s.rdb.(*goredis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
			check(ctx, c, c.Options().Addr)
			return nil
		})
		return
	}
	check(ctx, s.rdb, s.cfg.Connection.Addrs[0])
}
