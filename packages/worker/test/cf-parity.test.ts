import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTopic, get, headers, url } from "./api.js";

// Cloudflare Queues parity: REST publish, pull consumers' max_retries / retry_delay /
// dead_letter_queue, a queue-level delivery delay, dead letters that keep their identity.
const cf = (path: string) => `https://edgeq.test/v1/cf/accounts/acc-1/queues${path}`;

interface Envelope<T> {
  success: boolean;
  errors: Array<{ code: number; message: string }>;
  messages: unknown[];
  result: T;
  error?: { code: string; field?: string };
}
interface Pulled {
  messages: Array<{
    id: string;
    body: string;
    timestamp_ms: number;
    attempts: number;
    lease_id: string;
  }>;
}

async function cfPost<T>(
  path: string,
  body: unknown,
): Promise<{ status: number; body: Envelope<T> }> {
  const res = await SELF.fetch(cf(path), { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Envelope<T> };
}

const text = (b64: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

describe("Cloudflare Queues parity", () => {
  it("publishes over REST, one message or a batch, in Cloudflare's shapes", async () => {
    await createTopic("cfp-rest");
    const one = await cfPost("/cfp-rest/messages", { body: { order: 1 }, content_type: "json" });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ success: true, errors: [], messages: [] });
    expect(one.body.result).toMatchObject({ metadata: { metrics: { backlog_count: 1 } } });
    const batch = await cfPost("/cfp-rest/messages/batch", {
      messages: [
        { body: "hi", content_type: "text" },
        { body: btoa("\u0001\u0002"), content_type: "bytes" },
      ],
    });
    expect(batch.status).toBe(200);
    const pulled = await cfPost<Pulled>("/cfp-rest/messages/pull", { batch_size: 10 });
    const bodies = pulled.body.result.messages.map((m) => m.body);
    expect([text(bodies[0]!), bodies[1], bodies[2]]).toEqual([
      '{"order":1}',
      "hi",
      btoa("\u0001\u0002"),
    ]);
  });

  it("refuses bad REST publishes in Cloudflare's envelope, storing nothing", async () => {
    await createTopic("cfp-bad");
    const cases: Array<[string, unknown, number]> = [
      ["/cfp-bad/messages", {}, 400],
      ["/cfp-bad/messages", { body: 1, content_type: "v9" }, 400],
      ["/cfp-bad/messages", { body: 1, content_type: "text" }, 400],
      ["/cfp-bad/messages", { body: "x", delay_seconds: -1 }, 400],
      ["/cfp-bad/messages/batch", { messages: [] }, 400],
      [
        "/cfp-bad/messages/batch",
        { messages: Array.from({ length: 101 }, () => ({ body: 1 })) },
        413,
      ],
      ["/cfp-bad/messages", { body: "x".repeat(128_001), content_type: "text" }, 413],
      ["/cfp-nope/messages", { body: 1 }, 404],
    ];
    for (const [path, body, status] of cases) {
      const res = await cfPost(path, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body).toMatchObject({ success: false, result: null });
      expect(res.body.errors[0]?.code).toBe(status);
    }
    const stats = await get<{ queues: Array<{ headOffset: number }> }>("/cfp-bad/stats");
    expect(stats.queues[0]!.headOffset).toBe(0);
  });

  it("a pull consumer with max_retries and dead_letter_queue: failures move on, keeping id and timestamp", async () => {
    await createTopic("cfp-work");
    await createTopic("cfp-work-dlq");
    const consumer = await cfPost("/cfp-work/consumers", {
      type: "http_pull",
      settings: { max_retries: 1, retry_delay: 0 },
      dead_letter_queue: "cfp-work-dlq",
    });
    expect(consumer.status).toBe(200);
    expect(consumer.body.result).toMatchObject({
      settings: { max_retries: 1, retry_delay: 0 },
      dead_letter_queue: "cfp-work-dlq",
    });
    await cfPost("/cfp-work/messages", { body: "poison", content_type: "text" });
    const first = (await cfPost<Pulled>("/cfp-work/messages/pull", {})).body.result.messages[0]!;
    // Two failures: the retry, then past max_retries the dead-letter queue.
    await cfPost("/cfp-work/messages/ack", { retries: [{ lease_id: first.lease_id }] });
    const again = (await cfPost<Pulled>("/cfp-work/messages/pull", {})).body.result.messages[0]!;
    expect(again).toMatchObject({ id: first.id, attempts: 2 });
    await cfPost("/cfp-work/messages/ack", { retries: [{ lease_id: again.lease_id }] });
    const moved = (await cfPost<Pulled>("/cfp-work-dlq/messages/pull", {})).body.result.messages;
    expect(moved.map((m) => [m.id, m.timestamp_ms, m.body])).toEqual([
      [first.id, first.timestamp_ms, "poison"],
    ]);
    const dlq = await get<{ messages: unknown[] }>("/cfp-work/groups/cf-cfp-work/dlq");
    expect(dlq.messages).toEqual([]);
    expect((await cfPost<Pulled>("/cfp-work/messages/pull", {})).body.result.messages).toEqual([]);
  });

  it("a topic's deliveryDelayMs delays messages that ask for no delay", async () => {
    await createTopic("cfp-delay", { queueCount: 1, deliveryDelayMs: 3_600_000 });
    await cfPost("/cfp-delay/messages", { body: "later" });
    await cfPost("/cfp-delay/messages", { body: "now", delay_seconds: 0 });
    const stats = await get<{ queues: Array<{ scheduled: number; headOffset: number }> }>(
      "/cfp-delay/stats",
    );
    expect(stats.queues[0]).toMatchObject({ scheduled: 2, headOffset: 0 });
    const bad = await SELF.fetch(url("/cfp-delay"), {
      method: "PUT",
      headers,
      body: JSON.stringify({ queueCount: 1, deliveryDelayMs: -5 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: "deliveryDelayMs" } });
  });

  it("a topic's consumerObjects must be binding names: anything else is 400 and creates nothing", async () => {
    for (const consumerObjects of [
      ["not a binding"],
      "JOBS",
      [1],
      Array.from({ length: 17 }, (_, i) => `C${i}`),
    ]) {
      const res = await SELF.fetch(url("/cfp-wake"), {
        method: "PUT",
        headers,
        body: JSON.stringify({ consumerObjects }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { field: "consumerObjects" } });
    }
    expect((await SELF.fetch(url("/cfp-wake"), { headers })).status).toBe(404);
    await createTopic("cfp-wake", { queueCount: 1, consumerObjects: ["JOBS_CONSUMER"] });
    // A binding the broker lacks is logged at produce time; the produce itself is stored.
    const sent = await cfPost("/cfp-wake/messages", { body: 1 });
    expect(sent.status).toBe(200);
  });

  it("discards dead letters for good (admin)", async () => {
    await createTopic("cfp-discard", { queueCount: 1, maxReconsumeTimes: 1 });
    const put = await SELF.fetch(url("/cfp-discard/groups/g/settings"), {
      method: "PUT",
      headers,
      body: JSON.stringify({ maxRetries: 0 }),
    });
    expect(put.status).toBe(200);
    await SELF.fetch(url("/cfp-discard/messages"), {
      method: "POST",
      headers,
      body: JSON.stringify({ messages: [{ body: 1 }, { body: 2 }] }),
    });
    const recv = await SELF.fetch(url("/cfp-discard/groups/g/receive"), {
      method: "POST",
      headers,
      body: JSON.stringify({ max: 2 }),
    });
    const { messages } = (await recv.json()) as {
      messages: Array<{ receipt: string; msgId: string }>;
    };
    await SELF.fetch(url("/cfp-discard/groups/g/nack"), {
      method: "POST",
      headers,
      body: JSON.stringify({ receipts: messages.map((m) => m.receipt), delayMs: 0 }),
    });
    const discard = await SELF.fetch(url("/cfp-discard/groups/g/dlq/discard"), {
      method: "POST",
      headers,
      body: JSON.stringify({ msgIds: [messages[0]!.msgId] }),
    });
    expect(await discard.json()).toEqual({ discarded: 1 });
    const left = await get<{ messages: Array<{ message: { msgId: string } }> }>(
      "/cfp-discard/groups/g/dlq",
    );
    expect(left.messages.map((d) => d.message.msgId)).toEqual([messages[1]!.msgId]);
  });
});
