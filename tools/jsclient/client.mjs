// Drives the Durable Functions HTTP management API with the official
// JavaScript client (npm durable-functions) against the sample app
// (samples/), checking at every step what a user of that client would see.
//
//	node tools/jsclient/client.mjs --base http://127.0.0.1:7071/runtime/webhooks/durabletask \
//	    [--hub SamplesHub] [--key KEY] [--binding rpc|urls|given] [--timeout-ms 60000]
//
// The flags fall back to DURABLE_BASE_URL, DURABLE_HUB, DURABLETASK_EXTENSION_KEY,
// DURABLE_BINDING and DURABLE_TIMEOUT_MS. --binding rpc and urls build the
// durableClient binding value (binding.mjs); given takes it, as JSON, from
// DURABLE_CLIENT_BINDING, e.g. what the runtime's own code hands out. It prints one line per step and
// a one-line JSON summary last; the exit status is 0 only if every step
// passed (1 on a mismatch, 2 on bad usage).
import { parseArgs } from "node:util";
import { BINDINGS, bindingValue, clientFor } from "./binding.mjs";
import { steps } from "./scenario.mjs";

function options() {
    const env = process.env;
    const { values } = parseArgs({
        options: {
            base: { type: "string", default: env.DURABLE_BASE_URL },
            hub: { type: "string", default: env.DURABLE_HUB || "SamplesHub" },
            key: { type: "string", default: env.DURABLETASK_EXTENSION_KEY || "" },
            binding: { type: "string", default: env.DURABLE_BINDING || "rpc" },
            "timeout-ms": { type: "string", default: env.DURABLE_TIMEOUT_MS || "60000" },
        },
    });
    if (!values.base) {
        throw new Error("--base (or DURABLE_BASE_URL) is required: the management API's base URL");
    }
    if (values.binding === "given") {
        if (!env.DURABLE_CLIENT_BINDING) {
            throw new Error("--binding given takes the binding value from DURABLE_CLIENT_BINDING, which is empty");
        }
        values.value = JSON.parse(env.DURABLE_CLIENT_BINDING);
    } else if (!BINDINGS.includes(values.binding)) {
        throw new Error(`--binding ${values.binding}: want given or one of ${BINDINGS.join(", ")}`);
    }
    if (values.binding === "rpc" && values.key) {
        // durable-js builds rpcBaseUrl requests with no query string of the
        // binding's and no key header: a key-protected API refuses them all.
        throw new Error("--binding rpc cannot carry --key: the client sends no key to rpcBaseUrl; use --binding urls");
    }
    const timeoutMs = Number(values["timeout-ms"]);
    if (!(timeoutMs > 0)) {
        throw new Error(`--timeout-ms ${values["timeout-ms"]}: want a positive number of milliseconds`);
    }
    return { ...values, base: values.base.replace(/\/+$/, ""), timeoutMs };
}

async function main() {
    let opts;
    try {
        opts = options();
    } catch (err) {
        console.error(`usage: ${err.message}`);
        return 2;
    }
    const value = opts.value || bindingValue(opts);
    const state = {
        client: clientFor(value),
        base: opts.base,
        origin: new URL(opts.base).origin,
        key: opts.key,
        timeoutMs: opts.timeoutMs,
        // A prefix of its own keeps a run's instances and entities apart
        // from those of other runs on the same task hub.
        runId: `js${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
        // A second of slack: the server's clock stamps creation times.
        startedAt: new Date(Date.now() - 1000),
        started: [],
    };
    const began = Date.now();
    const summary = { ok: true, client: "durable-functions", binding: opts.binding, key: Boolean(opts.key), base: opts.base, passed: 0, steps: steps.length };
    for (const [name, run] of steps) {
        const t0 = Date.now();
        try {
            await run(state);
        } catch (err) {
            console.log(`FAIL ${name}: ${err.message}`);
            Object.assign(summary, { ok: false, failed: name, error: err.message });
            break;
        }
        summary.passed++;
        console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    }
    summary.ms = Date.now() - began;
    console.log(JSON.stringify(summary));
    return summary.ok ? 0 : 1;
}

process.exitCode = await main();
