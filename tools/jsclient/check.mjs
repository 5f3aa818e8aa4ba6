// Assertions and polling for the scenario: every failure names the step
// and says what a user of the client would have seen instead.
import { isDeepStrictEqual } from "node:util";

export class Mismatch extends Error {}

// expect fails the current step unless cond holds.
export function expect(cond, message) {
    if (!cond) {
        throw new Mismatch(message);
    }
}

// expectEqual fails unless got and want are deeply equal.
export function expectEqual(got, want, what) {
    expect(isDeepStrictEqual(got, want), `${what}: got ${show(got)}, want ${show(want)}`);
}

// expectReject fails unless promise rejects with a message matching re.
export async function expectReject(promise, re, what) {
    let value;
    try {
        value = await promise;
    } catch (err) {
        expect(re.test(err.message), `${what}: rejected with "${err.message}", want a message matching ${re}`);
        return err;
    }
    throw new Mismatch(`${what}: resolved with ${show(value)}, want a rejection matching ${re}`);
}

export function show(v) {
    return v === undefined ? "undefined" : JSON.stringify(v);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// until calls probe every 100 ms until it returns a value other than
// undefined, and fails with describe()'s text after timeoutMs.
export async function until(what, timeoutMs, probe, describe) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await probe();
        if (v !== undefined) {
            return v;
        }
        if (Date.now() > deadline) {
            throw new Mismatch(`${what}: not reached in ${timeoutMs} ms; last seen ${await describe()}`);
        }
        await sleep(100);
    }
}
