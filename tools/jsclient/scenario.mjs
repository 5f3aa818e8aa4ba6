// The scenario: what a JavaScript user does with DurableClient against the
// sample app (samples/), each step checking what that user would see.
import * as df from "durable-functions";
import functions from "@azure/functions";
import { expect, expectEqual, expectReject, show, until } from "./check.mjs";

const { OrchestrationRuntimeStatus: S, EntityId } = df;
const TERMINAL = [S.Completed, S.Failed, S.Terminated, S.Canceled];
const HELLO = ["Hello Tokyo!", "Hello Seattle!", "Hello London!"];
// Long enough that the approval timer never fires during a run.
const LONG_APPROVAL = { timeoutSeconds: 3600 };
// PAGE is the management API's default page size (its top parameter).
const PAGE = 100;

// waitFor polls getStatus until the instance reaches want, failing early
// when it ends in another status.
async function waitFor(s, id, want) {
    let last;
    return until(`instance ${id} reaching ${want}`, s.timeoutMs, async () => {
        last = await s.client.getStatus(id);
        if (last.runtimeStatus === want) {
            return last;
        }
        expect(!TERMINAL.includes(last.runtimeStatus),
            `instance ${id} ended ${last.runtimeStatus} (output ${show(last.output)}), want ${want}`);
        return undefined;
    }, () => show(last && last.runtimeStatus));
}

// start starts an orchestration and remembers its id for the listing steps.
async function start(s, name, options) {
    const id = await s.client.startNew(name, options);
    expect(typeof id === "string" && id !== "", `startNew(${name}) returned ${show(id)}, want an instance id`);
    s.started.push(id);
    return id;
}

// httpRequest is the trigger request a starter function would pass to the
// check-status helpers: a POST to the app's HttpStart route.
function httpRequest(s, orchestrator) {
    return new functions.HttpRequest({ url: `${s.origin}/api/orchestrators/${orchestrator}`, method: "POST" });
}

// expectPointsAtAPI checks that a management URL is on the API's base and
// that, when a key is configured, it carries one.
function expectPointsAtAPI(s, name, value, id) {
    expect(typeof value === "string" && value.startsWith(`${s.base}/instances/${id}`),
        `${name} is ${show(value)}, want a URL under ${s.base}/instances/${id}`);
    if (s.key) {
        expect(new URL(value).searchParams.get("code"), `${name} (${value}) carries no code although a key is configured`);
    }
}

// statusWithHistory fetches an instance's status with its history through
// the status URL of the client's management payload.
async function statusWithHistory(s, id) {
    const url = new URL(s.client.createHttpManagementPayload(id).statusQueryGetUri);
    url.searchParams.set("showHistory", "true");
    url.searchParams.set("showHistoryOutput", "true");
    const res = await fetch(url);
    expect(res.status === 200 || res.status === 202, `GET ${url}: status ${res.status}, want 200 or 202`);
    return res.json();
}

// urlShapes maps a check-status payload to its URLs with the instance id
// and any code left out: a key gives each instance's URLs a code of their
// own, where the binding's templates carry the key itself.
function urlShapes(payload) {
    return Object.fromEntries(Object.entries(payload).filter(([k]) => k !== "id").map(([k, v]) => {
        const u = new URL(v);
        u.searchParams.delete("code");
        return [k, decodeURIComponent(u.href).replace(`/instances/${payload.id}`, "/instances/ID")];
    }));
}

// expectHelloHistory checks the history of a HelloSequence instance in
// the API's historyEvents form.
function expectHelloHistory(history, what) {
    expect(Array.isArray(history), `${what} is ${show(history)}, want an array`);
    const kinds = history.map((e) => e.EventType);
    expectEqual([kinds[0], kinds[kinds.length - 1]], ["ExecutionStarted", "ExecutionCompleted"], `${what}: first and last events`);
    const results = history.filter((e) => e.EventType === "TaskCompleted").map((e) => [e.FunctionName, e.Result]);
    expectEqual(results, HELLO.map((r) => ["SayHello", r]), `${what}: TaskCompleted rows (FunctionName, Result)`);
}

export const steps = [
    ["startNew without an instance id runs HelloSequence to its output", async (s) => {
        s.hello = await start(s, "HelloSequence");
        const st = await waitFor(s, s.hello, S.Completed);
        expectEqual(st.output, HELLO, "HelloSequence output");
        expectEqual(st.name, "HelloSequence", "status name");
        expectEqual(st.instanceId, s.hello, "status instanceId");
    }],
    ["startNew with an instance id and input keeps both", async (s) => {
        const want = `${s.runId}-fan`;
        // A version rides on the start URL (?version=, after any code=).
        s.fan = await start(s, "FanOutFanIn", { instanceId: want, input: 5, version: "1.0" });
        expectEqual(s.fan, want, "startNew's returned id");
        const st = await waitFor(s, s.fan, S.Completed);
        expectEqual(st.output, 55, "FanOutFanIn(5) output (1+4+9+16+25)");
        expectEqual(st.input, 5, "status input (showInput defaults to true)");
    }],
    ["getStatus with showHistory and showHistoryOutput returns the history", async (s) => {
        const st = await s.client.getStatus(s.hello, { showHistory: true, showHistoryOutput: true, showInput: true });
        expectEqual([st.runtimeStatus, st.output], [S.Completed, HELLO], "status with the history options");
        // durable-js copies init.history, but the API (ours and the
        // extension's) names the field historyEvents: Azure/azure-functions-durable-js#620.
        // The history then is only in reach through the status URL.
        if (st.history !== undefined) {
            expectHelloHistory(st.history, "DurableOrchestrationStatus.history");
        }
        expectHelloHistory((await statusWithHistory(s, s.hello)).historyEvents, "historyEvents of the management payload's status URL");
    }],
    ["unknown instances and orchestrators are refused", async (s) => {
        await expectReject(s.client.getStatus(`${s.runId}-nobody`), /HTTP 404/, "getStatus(unknown)");
        await expectReject(s.client.terminate(`${s.runId}-nobody`, "r"), /No instance with ID/, "terminate(unknown)");
        await expectReject(s.client.startNew("NoSuchOrchestrator"), /status code: 400.*NoSuchOrchestrator/, "startNew(unknown orchestrator)");
    }],
    ["a failing orchestration reads Failed, answers 500 and can be rewound", async (s) => {
        // FanOutFanIn takes an integer: a string fails it on its first line.
        const id = await start(s, "FanOutFanIn", { instanceId: `${s.runId}-bad`, input: "five" });
        const st = await waitFor(s, id, S.Failed);
        expect(typeof st.output === "string" && st.output.includes("unmarshal"), `Failed output ${show(st.output)}, want the input error`);
        const res = await s.client.waitForCompletionOrCreateCheckStatusResponse(httpRequest(s, "FanOutFanIn"), id,
            { timeoutInMilliseconds: s.timeoutMs, retryIntervalInMilliseconds: 100 });
        expectEqual([res.status, (await res.json()).runtimeStatus], [500, S.Failed], "waitForCompletion… of a failed instance");
        // Rewound, it runs again from its input, and fails again.
        await s.client.rewind(id, "try again");
        let last;
        await until(`instance ${id} rewound and Failed again`, s.timeoutMs, async () => {
            last = await statusWithHistory(s, id);
            const rewound = last.historyEvents.some((e) => e.EventType === "ExecutionRewound");
            return rewound && last.runtimeStatus === S.Failed ? last : undefined;
        }, () => show(last));
        await expectReject(s.client.rewind(s.fan, "not failed"), /./, "rewind of a completed instance");
    }],
    ["waitForCompletionOrCreateCheckStatusResponse returns the output of a finished instance", async (s) => {
        const res = await s.client.waitForCompletionOrCreateCheckStatusResponse(httpRequest(s, "FanOutFanIn"), s.fan,
            { timeoutInMilliseconds: s.timeoutMs, retryIntervalInMilliseconds: 100 });
        expectEqual(res.status, 200, "response status");
        expectEqual(await res.json(), 55, "response body");
    }],
    ["raiseEvent approves a waiting ApprovalWorkflow", async (s) => {
        const id = await start(s, "ApprovalWorkflow", { input: LONG_APPROVAL });
        await waitFor(s, id, S.Running);
        const res = await s.client.waitForCompletionOrCreateCheckStatusResponse(httpRequest(s, "ApprovalWorkflow"), id,
            { timeoutInMilliseconds: 300, retryIntervalInMilliseconds: 100 });
        expectEqual(res.status, 202, "waitForCompletion… status while the approval waits");
        expectEqual((await res.json()).id, id, "check-status body id");
        await s.client.raiseEvent(id, "ApprovalEvent", true);
        const st = await waitFor(s, id, S.Completed);
        expectEqual(st.output, "approved", "ApprovalWorkflow output");
        // An event for a finished instance is a 410 Gone, which the client accepts.
        await s.client.raiseEvent(id, "ApprovalEvent", false);
        await expectReject(s.client.raiseEvent(`${s.runId}-nobody`, "ApprovalEvent", true),
            /No instance with ID/, "raiseEvent(unknown instance)");
    }],
    ["createCheckStatusResponse URLs point at the API and work", async (s) => {
        const res = s.client.createCheckStatusResponse(httpRequest(s, "FanOutFanIn"), s.fan);
        expectEqual(res.status, 202, "createCheckStatusResponse status");
        const body = await res.json();
        expectEqual(body.id, s.fan, "payload id");
        for (const name of ["statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "purgeHistoryDeleteUri",
            "restartPostUri", "suspendPostUri", "resumePostUri"]) {
            expectPointsAtAPI(s, name, body[name], s.fan);
        }
        expectEqual(res.headers.get("location"), body.statusQueryGetUri, "Location header");
        const got = await fetch(body.statusQueryGetUri);
        expectEqual(got.status, 200, `GET ${body.statusQueryGetUri} status`);
        const st = await got.json();
        expectEqual([st.runtimeStatus, st.output], [S.Completed, 55], "status through statusQueryGetUri");
        // The Go starter (the sample's HttpStart) hands out the same URLs.
        const goRes = await fetch(httpRequest(s, "HelloSequence").url, { method: "POST" });
        expectEqual(goRes.status, 202, "HttpStart status");
        const goBody = await goRes.json();
        s.started.push(goBody.id);
        // durable-js copies every management URL of the binding, rewind's
        // too, which check-status responses leave out (spec/http-api.md).
        const { rewindPostUri, ...checkStatus } = body;
        expectPointsAtAPI(s, "rewindPostUri", rewindPostUri, s.fan);
        expectEqual(urlShapes(checkStatus), urlShapes(goBody), "createCheckStatusResponse URLs against HttpStart's (ids and codes left out)");
        await waitFor(s, goBody.id, S.Completed);
    }],
    ["suspend holds an instance and resume lets it finish", async (s) => {
        const id = await start(s, "ApprovalWorkflow", { input: LONG_APPROVAL });
        await waitFor(s, id, S.Running);
        await s.client.suspend(id, "paused by the js client");
        await waitFor(s, id, S.Suspended);
        await s.client.raiseEvent(id, "ApprovalEvent", false);
        expectEqual((await s.client.getStatus(id)).runtimeStatus, S.Suspended, "status after an event while suspended");
        await s.client.resume(id, "resumed by the js client");
        const st = await waitFor(s, id, S.Completed);
        expectEqual(st.output, "rejected", "output after resume with the buffered event false");
    }],
    ["terminate ends a waiting instance with the reason as output", async (s) => {
        const reason = "stopped by the js client";
        s.terminated = await start(s, "ApprovalWorkflow", { input: LONG_APPROVAL });
        await waitFor(s, s.terminated, S.Running);
        await s.client.terminate(s.terminated, reason);
        const st = await waitFor(s, s.terminated, S.Terminated);
        expectEqual(st.output, reason, "terminated instance output");
        // A second terminate is a 410 Gone, which the client accepts.
        await s.client.terminate(s.terminated, reason);
    }],
    ["getStatusAll follows the continuation token past the first page", async (s) => {
        // The API's default page is 100 instances: more than that in the
        // hub means the client must send x-ms-continuation-token back.
        const ids = Array.from({ length: PAGE + 1 }, (_, i) => `${s.runId}-page-${i}`);
        for (let i = 0; i < ids.length; i += 20) {
            await Promise.all(ids.slice(i, i + 20).map((id) => start(s, "FanOutFanIn", { instanceId: id, input: 1 })));
        }
        for (const id of ids) {
            expectEqual((await waitFor(s, id, S.Completed)).output, 1, `FanOutFanIn(1) output of ${id}`);
        }
        const all = await s.client.getStatusAll();
        expect(Array.isArray(all) && all.length > PAGE, `getStatusAll returned ${all.length} instances, want more than one page (${PAGE})`);
        const listed = new Set(all.map((x) => x.instanceId));
        const missing = s.started.filter((id) => !listed.has(id));
        expectEqual(missing, [], "started instances missing from getStatusAll");
    }],
    ["getStatusBy filters by runtime status and creation time", async (s) => {
        const mine = (list) => list.map((x) => x.instanceId).filter((id) => s.started.includes(id)).sort();
        const terminated = await s.client.getStatusBy({ runtimeStatus: [S.Terminated] });
        expectEqual(mine(terminated), [s.terminated], "getStatusBy(Terminated) among this run's instances");
        const ended = [S.Terminated, S.Completed, S.Failed];
        const all = await s.client.getStatusBy({ runtimeStatus: ended, createdTimeFrom: s.startedAt });
        expectEqual(mine(all), [...s.started].sort(), `getStatusBy(${ended}, createdTimeFrom=run start)`);
        const before = await s.client.getStatusBy({ createdTimeTo: new Date(s.startedAt.getTime() - 60_000) });
        expectEqual(mine(before), [], "getStatusBy(createdTimeTo=a minute before the run)");
    }],
    ["purgeInstanceHistory deletes one instance, then reports nothing to delete", async (s) => {
        expectEqual((await s.client.purgeInstanceHistory(s.hello)).instancesDeleted, 1, "instancesDeleted of the first purge");
        await expectReject(s.client.getStatus(s.hello), /HTTP 404/, "getStatus after purge");
        // The second gets a 404, which the client reports as nothing deleted.
        expectEqual((await s.client.purgeInstanceHistory(s.hello)).instancesDeleted, 0, "instancesDeleted of the second purge");
        s.started = s.started.filter((id) => id !== s.hello);
    }],
    ["purgeInstanceHistoryBy deletes by status from the run's start", async (s) => {
        const res = await s.client.purgeInstanceHistoryBy({ createdTimeFrom: s.startedAt, runtimeStatus: [S.Terminated] });
        expectEqual(res.instancesDeleted, 1, "instancesDeleted by the purge of the run's terminated instances");
        await expectReject(s.client.getStatus(s.terminated), /HTTP 404/, "getStatus of the purged instance");
        expectEqual((await s.client.getStatus(s.fan)).runtimeStatus, S.Completed, "a completed instance survives");
    }],
    ["signalEntity and readEntityState drive the Counter entity", async (s) => {
        const counter = new EntityId("Counter", `${s.runId}-counter`);
        const none = await s.client.readEntityState(counter);
        expectEqual([none.entityExists, none.entityState], [false, undefined], "state of a counter never signalled");
        await s.client.signalEntity(counter, "add", 5);
        await s.client.signalEntity(counter, "add", 37);
        let last;
        await until("Counter reaching 42", s.timeoutMs, async () => {
            last = await s.client.readEntityState(counter);
            return last.entityExists && last.entityState === 42 ? last : undefined;
        }, () => show(last));
        await s.client.signalEntity(counter, "reset");
        await until("Counter reset to 0", s.timeoutMs, async () => {
            last = await s.client.readEntityState(counter);
            return last.entityState === 0 ? last : undefined;
        }, () => show(last));
        await s.client.signalEntity(counter, "delete");
        await until("Counter deleted", s.timeoutMs, async () => {
            last = await s.client.readEntityState(counter);
            return last.entityExists ? undefined : last;
        }, () => show(last));
    }],
];
