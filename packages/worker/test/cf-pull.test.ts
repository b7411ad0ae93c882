import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createQueueProducer } from "../src/queues/producer.js";
import { useVirtualTime } from "./virtual-time.js";
import { rpcBinding as rpc } from "./worker-fixtures.js";

// Cloudflare's pull consumer API, called with Cloudflare's field names.
// Each test has its own topic (a new group starts at the topic's oldest message).
const base = (topic: string) => `https://edgeq.test/v1/cf/accounts/acc-1/queues/${topic}/messages`;

interface CfMessage {
  id: string;
  body: string;
  timestamp_ms: number;
  attempts: number;
  lease_id: string;
  metadata: Record<string, string>;
}
interface Envelope<T> {
  success: boolean;
  errors: Array<{ code: number; message: string }>;
  result: T;
  error?: { code: string };
}
type PullResult = { messages: CfMessage[]; message_backlog_count: number };
type AckResult = { ackCount: number; retryCount: number; warnings: Record<string, string> };

async function call<T>(
  action: "pull" | "ack",
  body: unknown,
  group?: string,
  token = "admin-token",
): Promise<{ status: number; body: Envelope<T> }> {
  const topic = group?.startsWith("cfp-") ? group : "cfpull";
  const res = await SELF.fetch(`${base(topic)}/${action}${group ? `?group=${group}` : ""}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Envelope<T> };
}
const pull = async (body: unknown, group: string) => {
  const { status, body: envelope } = await call<PullResult>("pull", body, group);
  expect(status, JSON.stringify(envelope)).toBe(200);
  return envelope.result;
};
const ack = async (body: unknown, group: string) => {
  const { status, body: envelope } = await call<AckResult>("ack", body, group);
  expect(status, JSON.stringify(envelope)).toBe(200);
  return envelope.result;
};

useVirtualTime();

describe("Cloudflare Queues pull consumers over HTTP", () => {
  it("pulls in Cloudflare's envelope: json and bytes base64, text as it is, the backlog count", async () => {
    const producer = createQueueProducer(rpc, "cfpull", { sendMetrics: false });
    await producer.sendBatch([
      { body: { order: 9 } },
      { body: "hello", contentType: "text" },
      { body: new Uint8Array([1, 2, 3]), contentType: "bytes" },
    ]);
    // No ?group=: Cloudflare clients get the queue's fixed group, cf-cfpull.
    const { status, body } = await call<PullResult>("pull", { batch_size: 10 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, errors: [], messages: [] });
    const { messages, message_backlog_count } = body.result;
    expect(messages.map((m) => [m.metadata["CF-Content-Type"], m.body])).toEqual([
      ["json", btoa('{"order":9}')],
      ["text", "hello"],
      ["bytes", btoa("\x01\x02\x03")],
    ]);
    for (const m of messages) {
      expect(m).toMatchObject({ attempts: 1, timestamp_ms: Date.now() });
      expect(typeof m.id).toBe("string");
      expect(typeof m.lease_id).toBe("string");
    }
    expect(message_backlog_count).toBe(3); // leased, not yet acknowledged
    const acked = await ack({ acks: messages.map((m) => ({ lease_id: m.lease_id })) }, "cf-cfpull");
    expect(acked).toEqual({ ackCount: 3, retryCount: 0, warnings: {} });
    expect((await pull({}, "cf-cfpull")).message_backlog_count).toBe(0);
  });

  it("delivers a message again once its visibility timeout expires", async () => {
    const group = "cfp-visibility";
    await createQueueProducer(rpc, group, { sendMetrics: false }).send({ n: 1 });
    const [first] = (await pull({ visibility_timeout_ms: 1000, batch_size: 1 }, group)).messages;
    expect(first?.attempts).toBe(1);
    const leasedAt = Date.now();
    vi.setSystemTime(leasedAt + 999);
    expect((await pull({ visibility_timeout_ms: 1000 }, group)).messages).toEqual([]);
    vi.setSystemTime(leasedAt + 1000);
    const [again] = (await pull({ visibility_timeout_ms: 1000 }, group)).messages;
    expect(again).toMatchObject({ id: first!.id, attempts: 2 });
    expect(again!.lease_id).not.toBe(first!.lease_id);
    expect(await ack({ acks: [{ lease_id: again!.lease_id }] }, group)).toMatchObject({
      ackCount: 1,
    });
  });

  it("accepts a late ack: no error, the rest of the request applied, a warning for that lease", async () => {
    const group = "cfp-late";
    await createQueueProducer(rpc, group, { sendMetrics: false }).sendBatch([
      { body: "a" },
      { body: "b" },
    ]);
    const [a] = (await pull({ visibility_timeout_ms: 1000, batch_size: 1 }, group)).messages;
    const [b] = (await pull({ visibility_timeout_ms: 60_000, batch_size: 1 }, group)).messages;
    vi.setSystemTime(Date.now() + 5000);
    const answer = await ack(
      { acks: [{ lease_id: a!.lease_id }, { lease_id: b!.lease_id }] },
      group,
    );
    expect(answer.ackCount).toBe(1);
    expect(Object.keys(answer.warnings)).toEqual([a!.lease_id]);
    // edgeq keeps at-least-once: the late one comes back, b does not.
    const again = (await pull({ batch_size: 10 }, group)).messages;
    expect(again.map((m) => [m.id, m.attempts])).toEqual([[a!.id, 2]]);
    // An unknown lease id is a warning too, not an error.
    const unknown = await ack({ acks: [{ lease_id: "no-such-lease" }] }, group);
    expect(unknown).toMatchObject({
      ackCount: 0,
      warnings: { "no-such-lease": "unknown lease id" },
    });
  });

  it("honours delay_seconds on a retry", async () => {
    const group = "cfp-retry";
    await createQueueProducer(rpc, group, { sendMetrics: false }).send("again");
    const [m] = (await pull({ batch_size: 1 }, group)).messages;
    const retried = await ack({ retries: [{ lease_id: m!.lease_id, delay_seconds: 60 }] }, group);
    expect(retried).toEqual({ ackCount: 0, retryCount: 1, warnings: {} });
    const at = Date.now();
    vi.setSystemTime(at + 59_999);
    expect((await pull({}, group)).messages).toEqual([]);
    vi.setSystemTime(at + 60_000);
    const [back] = (await pull({}, group)).messages;
    expect(back).toMatchObject({ id: m!.id, attempts: 2 });
    // A retry without delay_seconds is visible at once.
    await ack({ retries: [{ lease_id: back!.lease_id }] }, group);
    expect((await pull({}, group)).messages[0]).toMatchObject({ id: m!.id, attempts: 3 });
  });

  it("refuses what Cloudflare refuses, with 4xx JSON errors, and changes nothing", async () => {
    const group = "cfp-refused";
    await createQueueProducer(rpc, group, { sendMetrics: false }).send("kept");
    for (const bad of [
      { batch_size: 101 },
      { batch_size: 0 },
      { batch_size: 2.5 },
      { batch_size: "10" },
      { visibility_timeout_ms: 43_200_001 },
      { visibility_timeout_ms: 0 },
      { visibility_timeout: -1 },
    ]) {
      const { status, body } = await call<null>("pull", bad, group);
      expect(status, JSON.stringify(bad)).toBe(400);
      expect(body).toMatchObject({
        success: false,
        errors: [{ code: 400 }],
        result: null,
        error: { code: "invalid_request" },
      });
    }
    // The largest batch Cloudflare allows is fine, and nothing was leased before.
    const { messages } = await pull({ batch_size: 100, visibility_timeout_ms: 43_200_000 }, group);
    expect(messages.map((m) => m.attempts)).toContain(1);
    const lease = messages[0]!.lease_id;
    for (const bad of [
      { acks: "all" },
      { acks: [{ lease: lease }] },
      { acks: [{ lease_id: lease }], retries: [{ lease_id: lease, delay_seconds: -1 }] },
      { acks: [{ lease_id: lease }], retries: [{ lease_id: lease, delay_seconds: 41 * 86_400 }] },
    ]) {
      const { status, body } = await call<null>("ack", bad, group);
      expect(status, JSON.stringify(bad)).toBe(400);
      expect(body.success).toBe(false);
    }
    // None of the refused acks applied: the lease is still good.
    expect(
      await ack({ acks: messages.map((m) => ({ lease_id: m.lease_id })) }, group),
    ).toMatchObject({
      ackCount: messages.length,
      warnings: {},
    });
  });

  it("asks for a token with the consume right on the queue's topic", async () => {
    expect((await call("pull", {}, undefined, "nobody")).status).toBe(401);
    expect((await call("pull", {}, undefined, "producer-token")).status).toBe(403);
    const unknown = await SELF.fetch(
      "https://edgeq.test/v1/cf/accounts/a/queues/nope/messages/pull",
      {
        method: "POST",
        headers: { authorization: "Bearer admin-token", "content-type": "application/json" },
        body: "{}",
      },
    );
    expect(unknown.status).toBe(404);
  });
});
