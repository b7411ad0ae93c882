import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { mintJwt } from "./jwt-tokens.js";

const BASE = "https://edgeq.test/v1";
const ADMIN = { authorization: "Bearer admin-token", "content-type": "application/json" };

/** Alice may consume on `sec` only through groups named `user-alice-…`, and produce. */
let alice: Record<string, string>;

function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** What a refused call could have changed: the queue, and every group's offsets, leases and dead letters. */
async function state(): Promise<unknown> {
  const res = await call("GET", "/topics/sec/stats", ADMIN);
  return res.json();
}

beforeAll(async () => {
  const token = await mintJwt({
    claims: {
      sub: "alice",
      edgeq: [{ topics: "sec", rights: ["produce", "consume", "admin"], groups: "user-{sub}-*" }],
    },
  });
  alice = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const sent = await call("POST", "/topics/sec/messages", alice, { messages: [{ body: "g" }] });
  expect(sent.status).toBe(200);
  // Bob's group has a lease and an offset for Alice's calls to leave alone.
  const got = await call("POST", "/topics/sec/groups/user-bob-inbox/receive", ADMIN, { max: 1 });
  expect(got.status).toBe(200);
});

const others: Array<[string, string, unknown?]> = [
  ["POST", "/topics/sec/groups/user-bob-inbox/receive", { max: 1 }],
  ["GET", "/topics/sec/groups/user-bob-inbox/offsets"],
  ["POST", "/topics/sec/groups/user-bob-inbox/offsets", { offsets: { "0": 0 } }],
  ["POST", "/topics/sec/groups/user-bob-inbox/ack", { receipts: ["x"] }],
  ["POST", "/topics/sec/groups/user-bob-inbox/nack", { receipts: ["x"] }],
  ["POST", "/topics/sec/groups/user-bob-inbox/extend", { receipts: ["x"], visibilityMs: 1000 }],
  ["POST", "/topics/sec/groups/user-bob-inbox/retry", { queueId: 0, offset: 0 }],
  ["GET", "/topics/sec/groups/user-bob-inbox/dlq"],
  ["POST", "/topics/sec/groups/user-bob-inbox/dlq/redrive", { limit: 1 }],
  // `user-alice` without the dash is not `user-alice-*`: prefixes are literal.
  ["POST", "/topics/sec/groups/user-alice/receive", { max: 1 }],
  ["POST", "/topics/sec/groups/user-alicex-inbox/receive", { max: 1 }],
  // Calls without a group see every group's messages: not through a group-restricted grant.
  ["GET", "/topics/sec/queues/0/messages?from=0"],
  ["GET", "/topics/sec/stats"],
  ["GET", "/topics/sec/messages?key=k"],
  ["POST", "/cf/accounts/a/queues/sec/messages/pull", { batch_size: 1 }],
  ["POST", "/cf/accounts/a/queues/sec/messages/pull?group=user-bob-inbox", { batch_size: 1 }],
];

describe("a grant restricted to the subject's groups", () => {
  it.each(others)("%s %s → 403 forbidden, nothing changed", async (method, path, body) => {
    const before = await state();
    const res = await call(method, path, alice, body);
    const answer = (await res.json()) as { error: { code: string } };
    expect(res.status, JSON.stringify(answer)).toBe(403);
    expect(answer.error.code).toBe("forbidden");
    expect(await state()).toEqual(before);
  });

  it("lets the subject produce, receive, ack and commit through its own groups", async () => {
    const got = await call("POST", "/topics/sec/groups/user-alice-inbox/receive", alice, {
      max: 1,
    });
    expect(got.status).toBe(200);
    const { messages } = (await got.json()) as { messages: Array<{ receipt: string }> };
    expect(messages).toHaveLength(1);
    const acked = await call("POST", "/topics/sec/groups/user-alice-inbox/ack", alice, {
      receipts: [messages[0]!.receipt],
    });
    expect(acked.status).toBe(200);
    const offsets = await call("GET", "/topics/sec/groups/user-alice-inbox/offsets", alice);
    expect(offsets.status).toBe(200);
    const pulled = await call(
      "POST",
      "/cf/accounts/a/queues/sec/messages/pull?group=user-alice-cf",
      alice,
      { batch_size: 1 },
    );
    expect(pulled.status).toBe(200);
  });
});
