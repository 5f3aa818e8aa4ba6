package replay

import (
	"context"
	"log/slog"
)

// Logger returns a logger that drops records while the orchestrator is
// replaying, so each message is logged once per execution, not once per
// episode. Records carry the instance id.
func (c *Context) Logger() *slog.Logger {
	if c.logger == nil {
		base := c.opts.Logger
		if base == nil {
			base = slog.New(discard{})
		}
		c.logger = slog.New(&replaySafe{inner: base.Handler(), c: c}).With("instanceId", c.instanceID)
	}
	return c.logger
}

type replaySafe struct {
	inner slog.Handler
	c     *Context
}

func (h *replaySafe) Enabled(ctx context.Context, l slog.Level) bool {
	return !h.c.IsReplaying() && !h.c.exiting && h.inner.Enabled(ctx, l)
}
func (h *replaySafe) Handle(ctx context.Context, r slog.Record) error { return h.inner.Handle(ctx, r) }
func (h *replaySafe) WithAttrs(a []slog.Attr) slog.Handler {
	return &replaySafe{inner: h.inner.WithAttrs(a), c: h.c}
}
func (h *replaySafe) WithGroup(n string) slog.Handler {
	return &replaySafe{inner: h.inner.WithGroup(n), c: h.c}
}

type discard struct{}

func (discard) Enabled(context.Context, slog.Level) bool  { return false }
func (discard) Handle(context.Context, slog.Record) error { return nil }
func (d discard) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discard) WithGroup(string) slog.Handler           { return d }
