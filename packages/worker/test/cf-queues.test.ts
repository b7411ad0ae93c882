import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { createQueueConsumer } from "../src/queues/consumer.js";
import { createQueueProducer } from "../src/queues/producer.js";
import { queueObjectName } from "../src/shared/queue-ref.js";
import { get } from "./api.js";
import { useVirtualTime } from "./virtual-time.js";
import { executionContext as ctx, rpcBinding as rpc } from "./worker-fixtures.js";

/** Runs every queue object's due alarm of cfmany (delayed messages become visible then). */
async function runDurableObjectAlarms(): Promise<void> {
  for (const queueId of [0, 1])
    await runDurableObjectAlarm(
      env.QUEUE.get(env.QUEUE.idFromName(queueObjectName({ topic: "cfmany", queueId }))),
    );
}

useVirtualTime();

it("refuses what Cloudflare's producer refuses, with the same kinds of error, storing nothing", async () => {
  const jobs = createQueueProducer(rpc, "cfdead", { sendMetrics: false });
  const before = await get<{ queues: Array<{ headOffset: number }> }>("/cfdead/stats");
  await expect(jobs.send(undefined)).rejects.toThrow(TypeError);
  await expect(jobs.send(42, { contentType: "text" })).rejects.toThrow(
    'Content Type "text" requires a value of type string',
  );
  await expect(jobs.send("x", { contentType: "bytes" })).rejects.toThrow(TypeError);
  await expect(jobs.send("x", { contentType: "yaml" as "json" })).rejects.toThrow(
    "Unsupported queue message content type: yaml",
  );
  await expect(jobs.send({ at: new Date() }, { contentType: "v8" })).rejects.toThrow(TypeError);
  await expect(jobs.sendBatch([])).rejects.toThrow(TypeError);
  const big = "x".repeat(128_000);
  await expect(jobs.send(big, { contentType: "text" })).resolves.toBeDefined();
  await expect(jobs.send(`${big}x`, { contentType: "text" })).rejects.toThrow(
    "Queue send failed: message length of 128001 bytes exceeds limit of 128000",
  );
  await expect(
    jobs.sendBatch(Array.from({ length: 101 }, (_, i) => ({ body: i }))),
  ).rejects.toThrow("batch message count of 101 exceeds limit of 100");
  await expect(
    jobs.sendBatch(
      Array.from({ length: 3 }, () => ({ body: "y".repeat(90_000), contentType: "text" as const })),
    ),
  ).rejects.toThrow("batch size of 270000 bytes exceeds limit of 256000");
  await expect(jobs.send(1, { delaySeconds: -1 })).rejects.toThrow("Queue send failed");
  const after = await get<{ queues: Array<{ headOffset: number }> }>("/cfdead/stats");
  expect(after.queues[0]!.headOffset).toBe(before.queues[0]!.headOffset + 1); // only the 128,000-byte one
});

it("keeps what edgeq does better: a key's order, and delays past Cloudflare's 24 hours", async () => {
  const jobs = createQueueProducer<{ n: number }>(rpc, "cfmany");
  const response = await jobs.sendBatch([1, 2, 3].map((n) => ({ body: { n }, key: "cart-1" })));
  expect(response.metadata.metrics.backlogCount).toBeGreaterThanOrEqual(3);
  await jobs.send({ n: 4 }, { delaySeconds: 2 * 86_400 });
  const metrics = await jobs.metrics();
  expect(metrics.backlogCount).toBeGreaterThanOrEqual(3);
  expect(metrics.oldestMessageTimestamp?.getTime()).toBeLessThanOrEqual(Date.now());
  const seen: number[] = [];
  const consumer = createQueueConsumer<unknown, { n: number }>(
    async (batch) => {
      for (const m of batch.messages) seen.push(m.body.n);
    },
    () => rpc,
    { queue: "cfmany", group: "ordered", max_batch_size: 100 },
  );
  await consumer.drain(env, ctx, { wait: false });
  expect(seen).toEqual([1, 2, 3]);
  // The delayed one is due in two days, not before.
  vi.setSystemTime(Date.now() + 2 * 86_400_000 - 1000);
  await consumer.drain(env, ctx, { wait: false });
  expect(seen).toEqual([1, 2, 3]);
  vi.setSystemTime(Date.now() + 1000);
  await runDurableObjectAlarms();
  await consumer.drain(env, ctx, { wait: false });
  expect(seen).toEqual([1, 2, 3, 4]);
});

it("runs a queue() handler with Cloudflare's ack, retry, implicit ack and batch retry", async () => {
  const jobs = createQueueProducer<{ id: number; kind: string }>(rpc, "cfjobs", {
    sendMetrics: false,
  });
  await jobs.sendBatch(
    [
      { body: { id: 1, kind: "ok" } },
      { body: { id: 2, kind: "flaky" } },
      { body: { id: 3, kind: "implicit" } },
      { body: { id: 4, kind: "poison" } },
      { body: { id: 5, kind: "ok" } },
    ].map((r) => ({ ...r, key: "one-queue" })),
  );
  const attempts = new Map<number, number[]>();
  const consumer = createQueueConsumer<unknown, { id: number; kind: string }>(
    async (batch) => {
      let poisoned = false;
      for (const m of batch.messages) {
        attempts.set(m.body.id, [...(attempts.get(m.body.id) ?? []), m.attempts]);
        if (m.body.kind === "ok") m.ack();
        else if (m.body.kind === "flaky" && m.attempts === 1) m.retry();
        else if (m.body.kind === "flaky") m.ack();
        else if (m.body.kind === "poison") poisoned = true;
        // "implicit": neither, acked when the handler resolves
      }
      if (poisoned) throw new Error("poison in this batch");
    },
    () => rpc,
    { queue: "cfjobs", group: "handler", max_batch_size: 10, max_retries: 2 },
  );
  const report = await consumer.drain(env, ctx, { wait: false });
  expect(report.idle).toBe(true);
  expect(attempts.get(1)).toEqual([1]);
  expect(attempts.get(2)).toEqual([1, 2]);
  expect(attempts.get(4)).toEqual([1, 2, 3]); // max_retries 2: three attempts
  // Never acked and always in the poisoned batch: each throw retried it too, as on Cloudflare.
  expect(attempts.get(3)).toEqual([1, 2, 3]);
  const dlq = await get<{ messages: Array<{ message: { body: { id: number } } }> }>(
    "/cfjobs/groups/handler/dlq",
  );
  expect(dlq.messages.map((d) => d.message.body.id).sort()).toEqual([3, 4]);
  // In a batch whose handler resolves, a message it left alone is acked.
  await jobs.send({ id: 6, kind: "implicit" });
  expect(await consumer.drain(env, ctx, { wait: false })).toMatchObject({ acked: 1, retried: 0 });
  expect(attempts.get(6)).toEqual([1]);
});

it("forwards to dead_letter_queue after max_retries, even past a higher maxReconsumeTimes", async () => {
  const jobs = createQueueProducer(rpc, "cfmany", { sendMetrics: false });
  await jobs.send({ poison: true }, { key: "dlq-forward" });
  let calls = 0;
  const consumer = createQueueConsumer(
    (batch) => {
      for (const m of batch.messages) if ((m.body as { poison?: boolean }).poison) calls++;
      throw new Error("always fails");
    },
    () => rpc,
    { queue: "cfmany", group: "forwarding", max_retries: 1, dead_letter_queue: "cfdead" },
  );
  await consumer.drain(env, ctx, { wait: false });
  expect(calls).toBe(2);
  const dead = await get<{ messages: Array<{ body: unknown; headers: Record<string, string> }> }>(
    "/cfdead/messages?key=dlq-forward",
  );
  expect(dead.messages.map((m) => m.body)).toEqual([{ poison: true }]);
});

it("a dead letter in dead_letter_queue keeps its id and timestamp, with where and why it died beside them", async () => {
  await rpc.putTopic("cfq-identity", { queueCount: 1 });
  await rpc.putTopic("cfq-identity-dlq", { queueCount: 1 });
  const jobs = createQueueProducer(rpc, "cfq-identity", { sendMetrics: false });
  await jobs.send({ poison: "identity" }, { key: "dlq-identity" });
  const seen: Array<{ id: string; timestamp: number }> = [];
  const failing = createQueueConsumer(
    (batch) => {
      for (const m of batch.messages) seen.push({ id: m.id, timestamp: m.timestamp.getTime() });
      throw new Error("always fails");
    },
    () => rpc,
    { queue: "cfq-identity", max_retries: 0, dead_letter_queue: "cfq-identity-dlq" },
  );
  await failing.drain(env, ctx, { wait: false });
  expect(seen).toHaveLength(1);
  const original = seen[0]!;
  const dead = await get<{ messages: Array<{ msgId: string; headers: Record<string, string> }> }>(
    "/cfq-identity-dlq/messages?key=dlq-identity",
  );
  expect(dead.messages[0]!.headers).toMatchObject({
    "cf-original-id": original.id,
    "cf-original-timestamp": String(original.timestamp),
    "edgeq-dead-from": "cfq-identity/cf-cfq-identity",
    "edgeq-dead-reason": "max_retries",
  });
  expect(dead.messages[0]!.msgId).not.toBe(original.id);
  // The dead-letter queue's own consumer sees the message it failed, not a copy with a new identity.
  const inDlq: Array<{ id: string; timestamp: number }> = [];
  const reader = createQueueConsumer(
    (batch) => {
      for (const m of batch.messages) inDlq.push({ id: m.id, timestamp: m.timestamp.getTime() });
    },
    () => rpc,
    { queue: "cfq-identity-dlq" },
  );
  await reader.drain(env, ctx, { wait: false });
  expect(inDlq).toEqual([original]);
});

it("ordered (edgeq): with four batches at once, a key's messages reach the handler one at a time, in order", async () => {
  await rpc.putTopic("cfq-ordered", { queueCount: 2 });
  const jobs = createQueueProducer(rpc, "cfq-ordered", { sendMetrics: false });
  const keys = ["ord-a", "ord-b", "ord-c"];
  for (let i = 0; i < 6; i++) for (const key of keys) await jobs.send({ key, i }, { key });
  const running = new Set<string>();
  const overlaps: string[] = [];
  const order = new Map<string, number[]>();
  const consumer = createQueueConsumer(
    async (batch) => {
      for (const m of batch.messages) {
        const { key, i } = m.body as { key: string; i: number };
        // Noted, not thrown: the wrapper would take a throw as a failed batch.
        if (running.has(key)) overlaps.push(`${key} ${i}`);
        running.add(key);
        // Let the other batches run meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 0));
        order.set(key, [...(order.get(key) ?? []), i]);
        running.delete(key);
      }
    },
    () => rpc,
    { queue: "cfq-ordered", ordered: true, max_concurrency: 4, max_batch_size: 2 },
  );
  await consumer.drain(env, ctx, { wait: false });
  expect(overlaps).toEqual([]);
  expect(await get("/cfq-ordered/groups/cf-cfq-ordered/settings")).toEqual({
    settings: { ordered: true },
  });
  expect(Object.fromEntries(order)).toEqual(
    Object.fromEntries(keys.map((key) => [key, [0, 1, 2, 3, 4, 5]])),
  );
});

it("without dead_letter_queue, ends in the group's edgeq DLQ after max_retries + 1 attempts, whatever maxReconsumeTimes", async () => {
  await createQueueProducer(rpc, "cfmany", { sendMetrics: false }).send("doomed", {
    key: "own-dlq",
  });
  let calls = 0;
  const consumer = createQueueConsumer(
    (batch) => {
      for (const m of batch.messages) if (m.body === "doomed") calls++;
      throw new Error("always fails");
    },
    () => rpc,
    { queue: "cfmany", group: "own-dlq", max_retries: 1 },
  );
  await consumer.drain(env, ctx, { wait: false });
  expect(calls).toBe(2); // the topic allows 16 reconsumes; the handler saw max_retries + 1
  const dlq = await get<{ messages: Array<{ message: { body: unknown } }> }>(
    "/cfmany/groups/own-dlq/dlq",
  );
  // (The new group also failed the topic's earlier messages: they are there too.)
  expect(dlq.messages.filter((d) => d.message.body === "doomed")).toHaveLength(1);
});

it("honours retry({ delaySeconds }) and retry_delay", async () => {
  await createQueueProducer(rpc, "cfdead", { sendMetrics: false }).sendBatch([
    { body: "mine", delaySeconds: 0 },
    { body: "default" },
  ]);
  const seen: string[] = [];
  const consumer = createQueueConsumer(
    (batch) => {
      for (const m of batch.messages) {
        seen.push(`${m.body}:${m.attempts}`);
        if (m.attempts > 1) m.ack();
        else if (m.body === "mine") m.retry({ delaySeconds: 30 });
        else m.retry();
      }
    },
    () => rpc,
    { queue: "cfdead", group: "delays", retry_delay: 10 },
  );
  const relevant = () => seen.filter((s) => /^(mine|default):/.test(s));
  await consumer.drain(env, ctx, { wait: false });
  const at = Date.now();
  vi.setSystemTime(at + 9_999);
  await consumer.drain(env, ctx, { wait: false });
  expect(relevant()).toEqual(["mine:1", "default:1"]);
  vi.setSystemTime(at + 10_000);
  await consumer.drain(env, ctx, { wait: false });
  expect(relevant()).toEqual(["mine:1", "default:1", "default:2"]);
  vi.setSystemTime(at + 30_000);
  await consumer.drain(env, ctx, { wait: false });
  expect(relevant()).toEqual(["mine:1", "default:1", "default:2", "mine:2"]);
});

it("a handler that outlives its lease does not stop the drain: the message comes back", async () => {
  await createQueueProducer(rpc, "cfpull", { sendMetrics: false }).send("slow");
  const attempts: number[] = [];
  const consumer = createQueueConsumer(
    (batch) => {
      for (const m of batch.messages) {
        if (m.body !== "slow") continue;
        attempts.push(m.attempts);
        // The first attempt takes longer than visibility_timeout_ms.
        if (m.attempts === 1) vi.setSystemTime(Date.now() + 2000);
      }
    },
    () => rpc,
    { queue: "cfpull", group: "slow", visibility_timeout_ms: 1000, max_batch_size: 100 },
  );
  const report = await consumer.drain(env, ctx, { wait: false });
  expect(report.idle).toBe(true);
  expect(attempts).toEqual([1, 2]);
});
