import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

const TOKENS = { "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }] };
const TOPICS = {
  orders: { queueCount: 2 },
  events: { queueCount: 1, durability: "async" },
};
const headers = { authorization: "Bearer t-admin", "content-type": "application/json" };

interface SendResult {
  status: "stored" | "duplicate";
  seq: number;
  msgId: string;
  queueId: number;
  offset: number;
}

let dir: string;
let broker: LocalBroker | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "edgeq-restart-"));
});
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Kills the runtime and starts a new one over the same persisted directory. */
async function restart(): Promise<void> {
  await broker?.stop();
  broker = await startLocalBroker({ persistDir: dir, tokens: TOKENS, topics: TOPICS });
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${broker!.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const produce = (topic: string, producerId: string, seqs: number[]) =>
  call<{ results: SendResult[] }>("POST", `/v1/topics/${topic}/messages`, {
    producerId,
    messages: seqs.map((seq) => ({ seq, body: { seq }, key: `k${seq % 3}` })),
  }).then((r) => r.results);

const readQueue = (topic: string, queueId: number, from = 0) =>
  call<{ messages: Array<{ offset: number; body: { seq: number } }>; headOffset: number }>(
    "GET",
    `/v1/topics/${topic}/queues/${queueId}/messages?from=${from}&limit=1000`,
  );

describe("a broker restarted over its persisted storage", () => {
  for (const topic of ["orders", "events"]) {
    it(`keeps messages, offsets, group offsets and producer dedup (${topic})`, async () => {
      await restart();
      const first = await produce(topic, "p-restart", [1, 2, 3, 4, 5, 6]);
      // Consume part way: commit the first message of each queue that has one.
      const committed: Record<string, number> = {};
      for (const r of first)
        if (committed[r.queueId] === undefined) committed[r.queueId] = r.offset + 1;
      await call("POST", `/v1/topics/${topic}/groups/billing/offsets`, { offsets: committed });
      const heads: Record<number, number> = {};
      for (const r of first) heads[r.queueId] = Math.max(heads[r.queueId] ?? 0, r.offset + 1);

      await restart();

      // Every message is still there, at the same offset.
      for (const r of first) {
        const { messages } = await readQueue(topic, r.queueId, r.offset);
        expect(messages[0]).toMatchObject({ offset: r.offset, body: { seq: r.seq } });
      }
      // The group's offsets were kept.
      expect(
        (
          await call<{ offsets: Record<string, number> }>(
            "GET",
            `/v1/topics/${topic}/groups/billing/offsets`,
          )
        ).offsets,
      ).toEqual(committed);
      // An old (producerId, seq) is recognised, with its original position.
      const again = await produce(topic, "p-restart", [3]);
      const original = first.find((r) => r.seq === 3)!;
      expect(again[0]).toMatchObject({
        status: "duplicate",
        msgId: original.msgId,
        queueId: original.queueId,
        offset: original.offset,
      });
      // New messages continue the offsets.
      const next = await produce(topic, "p-restart", [7]);
      expect(next[0]!.offset).toBe(heads[next[0]!.queueId] ?? 0);
    });
  }

  it("delivers a lease that was never acked again after the restart", async () => {
    await restart();
    await produce("orders", "p-lease", [1]);
    const { messages } = await call<{
      messages: Array<{ receipt: string; deliveryCount: number }>;
    }>("POST", "/v1/topics/orders/groups/mailer/receive", { max: 10, visibilityMs: 1000 });
    expect(messages).toHaveLength(1);
    await restart();
    // The lease outlives the runtime; once it expires, the message comes back.
    let redelivered: Array<{ deliveryCount: number }> = [];
    for (let i = 0; i < 50 && redelivered.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      redelivered = (
        await call<{ messages: Array<{ deliveryCount: number }> }>(
          "POST",
          "/v1/topics/orders/groups/mailer/receive",
          { max: 10, visibilityMs: 30_000 },
        )
      ).messages;
    }
    expect(redelivered).toHaveLength(1);
    expect(redelivered[0]!.deliveryCount).toBe(2);
  });

  it("answers duplicate to a retry whose first answer was lost when the runtime died", async () => {
    await restart();
    // The request reaches the broker and commits; the client never reads the answer.
    const request = { producerId: "p-lost", messages: [{ seq: 1, body: "once" }] };
    const lost = fetch(`${broker!.url}/v1/topics/orders/messages`, {
      method: "POST",
      headers,
      body: JSON.stringify(request),
    });
    await lost.then((r) => r.body?.cancel());
    await restart();
    const { results } = await call<{ results: SendResult[] }>(
      "POST",
      "/v1/topics/orders/messages",
      request,
    );
    expect(results[0]!.status).toBe("duplicate");
    let copies = 0;
    for (const q of [0, 1])
      copies += (await readQueue("orders", q)).messages.filter(
        (m) => JSON.stringify(m.body) === '"once"',
      ).length;
    expect(copies).toBe(1);
  });
});
