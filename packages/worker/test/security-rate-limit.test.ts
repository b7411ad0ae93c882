import { SELF } from "cloudflare:test";
import { type FetchLike, HttpTransport } from "@edgeq/core";
import { DurableProducer } from "@edgeq/core/durable";
import { openMemoryStore } from "@edgeq/core/store";
import { flushed } from "@edgeq/core/testing";
import { describe, expect, it } from "vitest";
import { mintJwt } from "./jwt-tokens.js";

const BASE = "https://edgeq.test/v1";
const ADMIN = "Bearer admin-token";

function call(authorization: string, method: string, path: string, body?: unknown) {
  return SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { authorization, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const messages = (n: number) => ({ messages: Array.from({ length: n }, (_, i) => ({ body: i })) });

interface Stats {
  queues: Array<{ headOffset: number }>;
  groups: Record<string, unknown>;
}

async function stats(topic: string): Promise<Stats> {
  // Stats are a consume call: read with a token of its own, so the tests' buckets stay as they are.
  const reader = `Bearer ${await mintJwt({ claims: { sub: crypto.randomUUID() } })}`;
  const res = await call(reader, "GET", `/topics/${topic}/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

const head = async (topic: string) => (await stats(topic)).queues[0]!.headOffset;

async function expectLimited(res: Response): Promise<void> {
  const body = (await res.json()) as { error: { code: string; retryAfterMs: number } };
  expect(res.status, JSON.stringify(body)).toBe(429);
  expect(body.error.code).toBe("rate_limited");
  // One token per 100 s: the wait is the time until the bucket can pay.
  expect(body.error.retryAfterMs).toBeGreaterThan(90_000);
  expect(Number(res.headers.get("retry-after"))).toBe(Math.ceil(body.error.retryAfterMs / 1000));
}

describe("rate limits per principal and topic", () => {
  it("produce: a burst of messages passes, the next is 429 with Retry-After and is not stored", async () => {
    const alice = `Bearer ${await mintJwt({ claims: { sub: "rl-alice" } })}`;
    const before = await head("limited");
    expect((await call(alice, "POST", "/topics/limited/messages", messages(3))).status).toBe(200);
    await expectLimited(await call(alice, "POST", "/topics/limited/messages", messages(1)));
    expect(await head("limited")).toBe(before + 3);
    // Another principal has its own bucket; a static token is a principal too.
    const bob = `Bearer ${await mintJwt({ claims: { sub: "rl-bob" } })}`;
    expect((await call(bob, "POST", "/topics/limited/messages", messages(2))).status).toBe(200);
    expect((await call(ADMIN, "POST", "/topics/limited/messages", messages(3))).status).toBe(200);
    await expectLimited(await call(ADMIN, "POST", "/topics/limited/messages", messages(1)));
    expect(await head("limited")).toBe(before + 8);
    // Topics without a rateLimit are not limited.
    for (let i = 0; i < 5; i++)
      expect((await call(alice, "POST", "/topics/sec/messages", messages(1))).status).toBe(200);
  });

  it("consume: every consume call counts, whatever the route; others are not charged", async () => {
    const carol = `Bearer ${await mintJwt({ claims: { sub: "rl-carol" } })}`;
    expect((await call(carol, "GET", "/topics/limited/queues/0/messages?from=0")).status).toBe(200);
    const receive = await call(carol, "POST", "/topics/limited/groups/g/receive", { max: 1 });
    expect(receive.status).toBe(200);
    const before = await stats("limited");
    await expectLimited(await call(carol, "GET", "/topics/limited/groups/g/offsets"));
    await expectLimited(
      await call(carol, "POST", "/cf/accounts/a/queues/limited/messages/pull", { batch_size: 1 }),
    );
    // A refused receive leases nothing: the queue and every group are as before.
    const refused = await call(carol, "POST", "/topics/limited/groups/g/receive", { max: 10 });
    await expectLimited(refused);
    expect(await stats("limited")).toEqual(before);
    // Producing is a bucket of its own.
    expect((await call(carol, "POST", "/topics/limited/messages", messages(1))).status).toBe(200);
  });

  it("a batch refused for its content costs no quota", async () => {
    const erin = `Bearer ${await mintJwt({ claims: { sub: "rl-erin" } })}`;
    const before = await head("limited");
    for (const bad of [{ messages: [{ body: 1, key: "\udfff" }] }, { messages: [] }, {}]) {
      const res = await call(erin, "POST", "/topics/limited/messages", bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }
    // The whole burst (3) is still there, and nothing was stored on the way.
    expect((await call(erin, "POST", "/topics/limited/messages", messages(3))).status).toBe(200);
    await expectLimited(await call(erin, "POST", "/topics/limited/messages", messages(1)));
    expect(await head("limited")).toBe(before + 3);
  });

  it("a batch larger than the burst passes when the bucket is full, then owes it", async () => {
    const dave = `Bearer ${await mintJwt({ claims: { sub: "rl-dave" } })}`;
    expect((await call(dave, "POST", "/topics/limited/messages", messages(5))).status).toBe(200);
    await expectLimited(await call(dave, "POST", "/topics/limited/messages", messages(1)));
  });
});

it("a durable producer (the browser outbox's sync loop) waits out Retry-After and delivers every message once", async () => {
  const statuses: number[] = [];
  const fetch: FetchLike = async (url, init) => {
    const res = await SELF.fetch(url, init);
    statuses.push(res.status);
    return res;
  };
  const token = await mintJwt({ claims: { sub: `outbox-${crypto.randomUUID()}` } });
  const producer = await DurableProducer.open(await openMemoryStore(), {
    topic: "paced",
    transport: new HttpTransport({ url: "https://edgeq.test", token, fetch }),
    batchSize: 10,
    // A backoff far below Retry-After: only the broker's hint can make the producer wait long enough.
    backoff: { baseMs: 1, maxMs: 2 },
  });
  const before = await head("paced");
  await producer.send(Array.from({ length: 30 }, (_, i) => ({ body: { n: i } })));
  producer.start();
  await flushed(producer);
  producer.close();

  expect(await producer.stats()).toMatchObject({ pending: 0, acknowledged: 30, deadLetters: 0 });
  expect(statuses).toContain(429);
  // Every 429 was followed by a success: the producer never retried before the bucket could pay.
  statuses.forEach((status, i) => {
    expect(status === 429 ? statuses[i + 1] : 200).toBe(200);
  });
  const read = await SELF.fetch(`${BASE}/topics/paced/queues/0/messages?from=${before}&limit=100`, {
    headers: { authorization: ADMIN },
  });
  const stored = ((await read.json()) as { messages: Array<{ body: { n: number } }> }).messages;
  expect(stored.map((m) => m.body.n)).toEqual(Array.from({ length: 30 }, (_, i) => i));
});
