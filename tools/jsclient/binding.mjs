// The durableClient binding value, and the official DurableClient made
// from it the way a JavaScript function gets one: getClient(context) on an
// invocation whose extra input of type durableClient carries that value.
import * as df from "durable-functions";
import functions from "@azure/functions";

// The shapes a binding value can take. "rpc" is what the Durable extension
// hands out today (rpcBaseUrl set: the client builds every URL relative to
// it); "urls" is the older form without rpcBaseUrl, where the client fills
// in the URL templates, which carry the key (requiredQueryStringParameters).
export const BINDINGS = ["rpc", "urls"];

// bindingValue returns the binding value for a management API served at
// base (e.g. http://127.0.0.1:7071/runtime/webhooks/durabletask), with the
// field names, placeholders and query strings of the Durable extension.
export function bindingValue({ base, hub, key, binding }) {
    if (!BINDINGS.includes(binding)) {
        throw new Error(`unknown binding "${binding}": want one of ${BINDINGS.join(", ")}`);
    }
    base = base.replace(/\/+$/, "");
    const code = key ? `code=${encodeURIComponent(key)}` : "";
    const qs = `taskHub=${encodeURIComponent(hub)}&connection=Storage` + (code ? `&${code}` : "");
    const create = `${base}/orchestrators/{functionName}[/{instanceId}]`;
    const inst = `${base}/instances/INSTANCEID`;
    return {
        taskHubName: hub,
        creationUrls: {
            createNewInstancePostUri: create + (code ? `?${code}` : ""),
            createAndWaitOnNewInstancePostUri:
                `${create}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}` + (code ? `&${code}` : ""),
        },
        managementUrls: {
            id: "INSTANCEID",
            statusQueryGetUri: `${inst}?${qs}`,
            sendEventPostUri: `${inst}/raiseEvent/{eventName}?${qs}`,
            terminatePostUri: `${inst}/terminate?reason={text}&${qs}`,
            rewindPostUri: `${inst}/rewind?reason={text}&${qs}`,
            purgeHistoryDeleteUri: `${inst}?${qs}`,
            restartPostUri: `${inst}/restart?${qs}`,
            suspendPostUri: `${inst}/suspend?reason={text}&${qs}`,
            resumePostUri: `${inst}/resume?reason={text}&${qs}`,
        },
        baseUrl: base,
        requiredQueryStringParameters: code,
        rpcBaseUrl: binding === "rpc" ? `${base}/` : null,
    };
}

// clientFor returns the DurableClient getClient builds for an invocation
// carrying value as its durableClient input.
export function clientFor(value) {
    // Without WEBSITE_HOSTNAME (local development) getClient rewrites every
    // URL's origin to http://localhost:7071; the host sets it to the app's
    // own address, which is what the URLs already carry here.
    process.env.WEBSITE_HOSTNAME = new URL(value.baseUrl).host;
    const input = df.input.durableClient();
    const context = new functions.InvocationContext({
        invocationId: "jsclient",
        functionName: "jsclient",
        options: { extraInputs: [input] },
    });
    context.extraInputs.set(input, value);
    return df.getClient(context);
}
