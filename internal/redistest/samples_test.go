package redistest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/godurable/durablefunctions/durable"
	"github.com/godurable/durablefunctions/handler"
	"github.com/godurable/durablefunctions/internal/funcapp/funcapptest"
	"github.com/godurable/durablefunctions/internal/redisserver"
	"github.com/godurable/durablefunctions/samples/app"
)

// The sample app selects Redis with the Durable Functions 2.0 document's
// host.json form, {"storageProvider": {"redis": {"connectionStringName":
// ...}}}, with the setting holding server:port, and runs its samples.
func TestTheSampleAppRunsOnRedisWithTheSeedsHostJSON(t *testing.T) {
	srv := redisserver.Shared(t)
	host := `{"version":"2.0","extensions":{"durableTask":{"hubName":"SeedRedisHub` + time.Now().Format("150405") +
		`","storageProvider":{"redis":{"connectionStringName":"RedisConnection"}}}}}`
	dir := funcapptest.WriteSampleApp(t, map[string]string{"host.json": host})
	t.Setenv("RedisConnection", srv.Addr())
	s, err := handler.Start(t.Context(), app.New(), &handler.Options{Mode: handler.Standalone, AppDir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range []struct {
		name  string
		input any
		want  string
	}{
		{"HelloSequence", nil, `["Hello Tokyo!","Hello Seattle!","Hello London!"]`},
		{"FanOutFanIn", 10, `385`},
	} {
		id, err := s.Client().StartNew(ctx, c.name, c.input)
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Client().WaitForCompletion(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		_ = json.Unmarshal(st.Output, &v)
		got, _ := json.Marshal(v)
		if st.RuntimeStatus != durable.StatusCompleted || string(got) != c.want {
			t.Errorf("%s on Redis: %s %s, want %s", c.name, st.RuntimeStatus, st.Output, c.want)
		}
	}
}
