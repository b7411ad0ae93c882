import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { forward, readBody } from "./http-forward.js";
import { persistedBroker } from "./persisted-broker.js";

// The restart scenario for real: a workerd over a persisted directory,
// disposed, and a new one over the same directory (PLATFORM-NOTES: Durable
// Objects under Miniflare). Each test gets its own directory.

const TOKENS = { "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }] };
const TOPICS = {
  orders: { queueCount: 2 },
  events: { queueCount: 1, durability: "async" },
  single: { queueCount: 1 },
};
const headers = { authorization: "Bearer t-admin", "content-type": "application/json" };

interface SendResult {
  status: "stored" | "duplicate";
  seq: number;
  msgId: string;
  queueId: number;
  offset: number;
}
interface WireMessage {
  msgId: string;
  offset: number;
  queueId: number;
  body: { seq: number } | string;
}
interface Leased extends WireMessage {
  receipt: string;
  deliveryCount: number;
}

const local = persistedBroker({ tokens: TOKENS, topics: TOPICS });
const restart = () => local.restart();

function url(path: string): string {
  if (!local.broker) throw new Error("no broker running");
  return `${local.broker.url}${path}`;
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(url(path), {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await request(method, path, body);
  const json = (await response.json()) as T;
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const produce = (topic: string, producerId: string, seqs: number[]) =>
  call<{ results: SendResult[] }>("POST", `/v1/topics/${topic}/messages`, {
    producerId,
    // Keys spread one producer's messages over the topic's queues.
    messages: seqs.map((seq) => ({ seq, body: { seq }, key: `k${seq % 3}` })),
  }).then((r) => r.results);

const readQueue = (topic: string, queueId: number, from = 0) =>
  call<{ messages: WireMessage[]; nextOffset: number; headOffset: number }>(
    "GET",
    `/v1/topics/${topic}/queues/${queueId}/messages?from=${from}&limit=1000`,
  );

const receive = (topic: string, group: string, max: number, visibilityMs: number) =>
  call<{ messages: Leased[] }>("POST", `/v1/topics/${topic}/groups/${group}/receive`, {
    max,
    visibilityMs,
  }).then((r) => r.messages);

const seqOf = (m: WireMessage) => (typeof m.body === "string" ? -1 : m.body.seq);

describe("a broker restarted over its persisted storage", () => {
  for (const topic of ["orders", "events"]) {
    it(`keeps unconsumed messages, offsets, group offsets and producer dedup (${topic})`, async () => {
      await restart();
      const first = await produce(topic, "p-restart", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(first.every((r) => r.status === "stored")).toBe(true);
      const queues = [...new Set(first.map((r) => r.queueId))];

      // Consume part way, both ways: a pull group reads the first message of
      // each queue and commits past it; a lease group receives 4 and acks them.
      const committed: Record<string, number> = {};
      for (const q of queues) {
        const { messages } = await readQueue(topic, q);
        committed[q] = messages[0]!.offset + 1;
      }
      await call("POST", `/v1/topics/${topic}/groups/billing/offsets`, { offsets: committed });
      const acked = await receive(topic, "mailer", 4, 30_000);
      expect(acked).toHaveLength(4);
      await call("POST", `/v1/topics/${topic}/groups/mailer/ack`, {
        receipts: acked.map((m) => m.receipt),
      });
      const heads: Record<number, number> = {};
      for (const r of first) heads[r.queueId] = Math.max(heads[r.queueId] ?? 0, r.offset + 1);

      await restart();

      // Every message is still there, at the same offset, with the same id.
      for (const r of first) {
        const { messages } = await readQueue(topic, r.queueId, r.offset);
        expect(messages[0]).toMatchObject({
          offset: r.offset,
          msgId: r.msgId,
          body: { seq: r.seq },
        });
      }
      for (const q of queues) expect((await readQueue(topic, q)).headOffset).toBe(heads[q]);
      // The pull group's offsets were kept.
      const { offsets } = await call<{ offsets: Record<string, number> }>(
        "GET",
        `/v1/topics/${topic}/groups/billing/offsets`,
      );
      expect(offsets).toEqual(committed);
      // The lease group gets exactly the six messages it never acked.
      const rest = await receive(topic, "mailer", 100, 30_000);
      const ackedSeqs = new Set(acked.map(seqOf));
      expect(rest.map(seqOf).sort((a, b) => a - b)).toEqual(
        first.map((r) => r.seq).filter((s) => !ackedSeqs.has(s)),
      );
      expect(rest.every((m) => m.deliveryCount === 1)).toBe(true);
      // Every old (producerId, seq) is recognised, with its original position.
      const again = await produce(topic, "p-restart", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const [i, r] of first.entries())
        expect(again[i]).toMatchObject({
          status: "duplicate",
          seq: r.seq,
          msgId: r.msgId,
          queueId: r.queueId,
          offset: r.offset,
        });
      // New messages continue the offsets.
      const [next] = await produce(topic, "p-restart", [11]);
      expect(next).toMatchObject({ status: "stored", offset: heads[next!.queueId] ?? 0 });
    });
  }

  // The lease's visibility is longer than this test may run (its timeout), so
  // "still leased after the restart" holds without reading a clock. Its end is
  // then brought forward through the new runtime (extend to 1 ms), and the
  // redelivery awaited by polling to a deadline.
  const visibilityMs = 120_000;
  it("delivers a lease that was never acked again once it expires in the new runtime", {
    timeout: visibilityMs / 2,
  }, async () => {
    await restart();
    await produce("single", "p-lease", [1]);
    const [lease] = await receive("single", "mailer", 10, visibilityMs);
    expect(lease).toMatchObject({ deliveryCount: 1, body: { seq: 1 } });

    await restart();

    // The lease outlived the runtime: while it runs, nobody else gets the message.
    expect(await receive("single", "mailer", 10, 30_000)).toEqual([]);
    // Its receipt is still good in the new runtime: end the lease now.
    await call("POST", "/v1/topics/single/groups/mailer/extend", {
      receipts: [lease!.receipt],
      visibilityMs: 1,
    });
    // Once it expires, the message comes back, counted as a second delivery.
    let again: Leased[] = [];
    await expect
      .poll(
        async () => {
          again = await receive("single", "mailer", 10, 30_000);
          return again;
        },
        { timeout: 10_000, interval: 20, message: "the expired lease to be delivered again" },
      )
      .toHaveLength(1);
    expect(again[0]).toMatchObject({
      msgId: lease!.msgId,
      offset: lease!.offset,
      deliveryCount: 2,
    });
    // The first consumer's receipt died with its lease; the new one acks.
    const stale = await request("POST", "/v1/topics/single/groups/mailer/ack", {
      receipts: [lease!.receipt],
    });
    expect(stale.status).toBe(409);
    await stale.body?.cancel();
    await call("POST", "/v1/topics/single/groups/mailer/ack", {
      receipts: [again[0]!.receipt],
    });
    expect(await receive("single", "mailer", 10, 30_000)).toEqual([]);
  });

  it("answers duplicate to a retry whose answer was never read before the runtime died", async () => {
    await restart();
    // The request reaches the broker and commits; the client reads the status, never the answer.
    const batch = { producerId: "p-lost", messages: [{ seq: 1, body: "once" }] };
    const lost = await request("POST", "/v1/topics/single/messages", batch);
    await lost.body?.cancel();

    await restart();

    const { results } = await call<{ results: SendResult[] }>(
      "POST",
      "/v1/topics/single/messages",
      batch,
    );
    expect(results[0]).toMatchObject({ status: "duplicate", seq: 1, offset: 0 });
    const { messages } = await readQueue("single", 0);
    expect(messages.filter((m) => m.body === "once")).toHaveLength(1);
  });

  it("answers duplicate to a retry whose answer was lost on the wire after the commit", async () => {
    await restart();
    // A proxy that passes the request on, waits for the broker's whole answer
    // (so the batch is committed), then drops the connection instead of replying.
    const proxy = createServer(async (req, res) => {
      const body = await readBody(req);
      await forward(url(""), req, body);
      res.destroy();
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const { port } = proxy.address() as AddressInfo;
    const batch = { producerId: "p-dropped", messages: [{ seq: 1, body: "once" }] };
    try {
      await expect(
        fetch(`http://127.0.0.1:${port}/v1/topics/single/messages`, {
          method: "POST",
          headers,
          body: JSON.stringify(batch),
        }),
      ).rejects.toThrow();
    } finally {
      await new Promise((r) => proxy.close(r));
    }

    await restart();

    const { results } = await call<{ results: SendResult[] }>(
      "POST",
      "/v1/topics/single/messages",
      batch,
    );
    expect(results[0]).toMatchObject({ status: "duplicate", seq: 1, offset: 0 });
    expect((await readQueue("single", 0)).headOffset).toBe(1);
  });

  it("stores a batch the client aborted mid-flight at most once: the retry completes it at one place", async () => {
    await restart();
    await produce("single", "p-other", [1, 2, 3]);
    const batch = {
      producerId: "p-abort",
      messages: Array.from({ length: 1000 }, (_, i) => ({ seq: i + 1, body: `m${i + 1}` })),
    };
    // Whether the broker got the batch before the abort is up to timing; both must end alike.
    await fetch(url("/v1/topics/single/messages"), {
      method: "POST",
      headers,
      body: JSON.stringify(batch),
      signal: AbortSignal.timeout(5),
    }).then(
      (r) => r.body?.cancel(),
      () => undefined,
    );

    await restart();

    const { results } = await call<{ results: SendResult[] }>(
      "POST",
      "/v1/topics/single/messages",
      batch,
    );
    // One atomic write per queue: all stored before the restart, or none.
    expect(new Set(results.map((r) => r.status)).size).toBe(1);
    expect(results.map((r) => r.offset)).toEqual(batch.messages.map((_, i) => 3 + i));
    const { messages, headOffset } = await readQueue("single", 0, 3);
    expect(headOffset).toBe(1003);
    expect(messages.map((m) => m.body)).toEqual(batch.messages.map((m) => m.body));
    // And a second retry is a duplicate whatever happened first.
    const again = await produce("single", "p-abort", [1000]);
    expect(again[0]).toMatchObject({ status: "duplicate", offset: 1002 });
  });
});
