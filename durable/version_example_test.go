package durable_test

import (
	"context"
	"fmt"

	"github.com/godurable/durablefunctions/durable"
)

// An orchestrator changed in version 2.0 keeps the old path for instances
// started before: it branches on ctx.Version. The runtime stamps its
// default version on new instances; WithVersion picks another.
func ExampleWithVersioning() {
	reg := durable.NewRegistry()
	_ = reg.AddActivity("Greet", durable.ActivityOf(func(_ context.Context, name string) (string, error) {
		return "Hello " + name, nil
	}))
	_ = reg.AddActivity("Shout", durable.ActivityOf(func(_ context.Context, s string) (string, error) {
		return s + "!", nil
	}))
	_ = reg.AddOrchestrator("Hello", func(ctx *durable.OrchestrationContext) (any, error) {
		var s string
		if err := ctx.CallActivity("Greet", "Tokyo").Await(&s); err != nil {
			return nil, err
		}
		// 2.0 added a step: instances of 1.0 must not take it on replay.
		if durable.CompareVersions(ctx.Version(), "2.0") >= 0 {
			if err := ctx.CallActivity("Shout", s).Await(&s); err != nil {
				return nil, err
			}
		}
		return s, nil
	})
	rt := durable.NewRuntime(reg, durable.NewMemoryStore(), durable.WithVersioning(durable.Versioning{
		DefaultVersion: "2.0", // host.json: extensions.durableTask.defaultVersion
	}))
	rt.Start()
	defer rt.Close(context.Background())

	ctx := context.Background()
	c := rt.Client()
	old, _ := c.StartNew(ctx, "Hello", nil, durable.WithVersion("1.0"))
	cur, _ := c.StartNew(ctx, "Hello", nil)
	for _, id := range []string{old, cur} {
		st, _ := c.WaitForCompletion(ctx, id)
		var out string
		_ = st.DecodeOutput(&out)
		fmt.Printf("version %s: %s\n", st.Version, out)
	}
	// Output:
	// version 1.0: Hello Tokyo
	// version 2.0: Hello Tokyo!
}
