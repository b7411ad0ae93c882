import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { EdgeqRpc } from "../src/rpc/entrypoint.js";
import { snapshot } from "./adversarial-support.js";
import { HOSTILE_NAMES, isName } from "./hostile-names.js";

// docs/protocol.md, "Hostile input" and "RPC for other Workers": the same
// rules through EdgeqRpc, where a caller hands over structured-cloned values
// (a lone surrogate arrives raw, not as an escape) and names reach the
// broker without any URL in between (so `.` and `..` are refused there too).
// An accepted name works end to end; a refused one is `invalid_request`; no
// other topic, group or stream changes.

type Rpc = Pick<
  EdgeqRpc,
  | "putTopic"
  | "deleteTopic"
  | "send"
  | "receive"
  | "ack"
  | "stats"
  | "deleteGroup"
  | "commitOffsets"
>;
const rpc = (exports as unknown as { EdgeqRpc: Rpc }).EdgeqRpc;

const SENTINEL = "ar-sentinel";
const others = () => snapshot({ topics: [SENTINEL] });
let baseline: string[];

beforeAll(async () => {
  expect((await rpc.putTopic(SENTINEL, { queueCount: 2 })).ok).toBe(true);
  expect((await rpc.send(SENTINEL, { messages: [{ body: 1 }, { body: 2 }] })).ok).toBe(true);
  expect((await rpc.receive(SENTINEL, "ar-watch", { max: 1, visibilityMs: 3_600_000 })).ok).toBe(
    true,
  );
  baseline = await others();
});

/** `{[name]: value}` as an own property, `__proto__` included. */
const own = <T>(name: string, value: T): Record<string, T> => Object.fromEntries([[name, value]]);

const codeOf = (outcome: { ok: boolean; error?: { code: string } }) =>
  outcome.ok ? "ok" : outcome.error?.code;

const accepted = HOSTILE_NAMES.filter((n) => isName(n.name)).map((n) => [n.label, n.name] as const);
const refused = HOSTILE_NAMES.filter((n) => !isName(n.name)).map((n) => [n.label, n.name] as const);

describe("a hostile name the protocol accepts, through RPC as topic, producer, group, header and JSON key at once", () => {
  it.each(accepted)("%s", async (_l, name) => {
    expect(codeOf(await rpc.putTopic(name, { queueCount: 1 }))).toBe("ok");
    const body = own(name, own(name, name));
    const sent = await rpc.send(name, {
      producerId: name,
      messages: [{ seq: 1, body, headers: own(name, "v") }],
    });
    expect(sent.ok && sent.value[0]!.status).toBe("stored");
    const leased = await rpc.receive(name, name, { max: 5 });
    expect(leased.ok && leased.value).toHaveLength(1);
    const message = leased.ok ? leased.value[0] : undefined;
    expect(JSON.stringify(message?.body)).toBe(JSON.stringify(body));
    expect(Object.entries(message?.headers ?? {})).toEqual([[name, "v"]]);
    expect(codeOf(await rpc.ack(name, name, [message?.receipt ?? ""]))).toBe("ok");
    const stats = await rpc.stats(name);
    expect(stats.ok && Object.keys(stats.value.groups)).toEqual([name]);
    expect(codeOf(await rpc.deleteGroup(name, name))).toBe("ok");
    expect(codeOf(await rpc.deleteTopic(name))).toBe("ok");
    expect(codeOf(await rpc.stats(name))).toBe("not_found");
    expect(await others()).toEqual(baseline);
  });
});

describe("a hostile name the protocol refuses (dot segments included: no URL resolves them here)", () => {
  it.each(refused)("%s as a topic", async (_l, name) => {
    expect(codeOf(await rpc.putTopic(name, { queueCount: 1 }))).toBe("invalid_request");
    expect(await others()).toEqual(baseline);
  });
  it.each(refused)("%s as a group", async (_l, name) => {
    expect(codeOf(await rpc.receive(SENTINEL, name, { max: 1 }))).toBe("invalid_request");
    expect(await others()).toEqual(baseline);
  });
  it.each(refused)("%s as a producerId", async (_l, name) => {
    expect(codeOf(await rpc.send(SENTINEL, { producerId: name, messages: [{ body: 1 }] }))).toBe(
      "invalid_request",
    );
    expect(await others()).toEqual(baseline);
  });
});

describe("a raw lone surrogate through RPC is invalid_request and stores nothing", () => {
  const lone = "\uD800";
  const places: Array<[string, Record<string, unknown>]> = [
    ["the body", { body: `a${lone}` }],
    ["a nested body string", { body: { a: [{ b: lone }] } }],
    ["an object key of the body", { body: own(`k${lone}`, 1) }],
    ["an object key 4 deep", { body: { a: { b: { c: own(lone, 1) } } } }],
    ["the key", { body: 1, key: `k${lone}` }],
    ["a tag", { body: 1, tags: [`t${lone}`] }],
    ["a header value", { body: 1, headers: { h: lone } }],
    ["a header name", { body: 1, headers: own(lone, "v") }],
  ];
  it.each(places)("in %s", async (_l, message) => {
    const sent = await rpc.send(SENTINEL, { messages: [message] as never });
    expect(codeOf(sent)).toBe("invalid_request");
    expect(await others()).toEqual(baseline);
  });

  it.each([
    ["a group", () => rpc.receive(SENTINEL, `g${lone}`, { max: 1 })],
    ["a receipt", () => rpc.ack(SENTINEL, "ar-watch", [`r${lone}`])],
    ["a producerId", () => rpc.send(SENTINEL, { producerId: `p${lone}`, messages: [{ body: 1 }] })],
    ["an offsets key", () => rpc.commitOffsets(SENTINEL, "ar-watch", own(`0${lone}`, 1) as never)],
  ] as const)("in %s", async (_l, call) => {
    expect(codeOf(await call())).toBe("invalid_request");
    expect(await others()).toEqual(baseline);
  });
});
