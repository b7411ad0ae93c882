import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SpanKind, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { createQueueConsumer } from "../src/queues/consumer.js";
import { createQueueProducer } from "../src/queues/producer.js";
import { unwrap } from "../src/shared/outcome.js";
import { registerTracing, traceparentOf } from "./trace-support.js";
import { executionContext as ctx, rpcBinding as rpc } from "./worker-fixtures.js";

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

describe("trace context through the Cloudflare Queues drop-in", () => {
  it("puts a Queues producer's send and the Worker consumer's handler in one trace", async () => {
    const tracing = registerTracing();
    stop = tracing.stop;
    const jobs = createQueueProducer<{ job: number }>(rpc, "cftrace", { sendMetrics: false });
    const app = trace.getTracer("app");
    const checkout = await app.startActiveSpan("checkout", async (span) => {
      await jobs.send({ job: 1 }, { key: "cart-1" });
      span.end();
      return span.spanContext();
    });
    // A caller outside any span: its own trace, from the send span it gets.
    await jobs.send({ job: 2 }, { key: "cart-2" });

    const handled: Array<{ job: number; traceId?: string; spanId?: string }> = [];
    const consumer = createQueueConsumer<unknown, { job: number }>(
      async (batch) => {
        const span = trace.getActiveSpan()?.spanContext();
        for (const m of batch.messages)
          handled.push({ job: m.body.job, traceId: span?.traceId, spanId: span?.spanId });
      },
      () => rpc,
      { queue: "cftrace", group: "traced", max_batch_size: 1 },
    );
    const report = await consumer.drain(env, ctx, { wait: false });
    expect(report.acked).toBe(2);

    const spans = tracing.exporter.getFinishedSpans();
    const send = spans.find(
      (s) => s.name === "send cftrace" && s.parentSpanContext?.spanId === checkout.spanId,
    )!;
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.spanContext().traceId).toBe(checkout.traceId);
    expect(send.attributes).toMatchObject({
      "messaging.system": "edgeq",
      "messaging.destination.name": "cftrace",
      "messaging.operation.type": "send",
    });
    const first = handled.find((h) => h.job === 1)!;
    const process = spans.find(
      (s) => s.name === "process cftrace" && s.spanContext().spanId === first.spanId,
    )!;
    // The handler ran in the consumer's span, the child of the send's: one trace.
    expect(first.traceId).toBe(checkout.traceId);
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(process.attributes).toMatchObject({
      "messaging.system": "edgeq",
      "messaging.destination.name": "cftrace",
      "messaging.consumer.group.name": "traced",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.batch.message_count": 1,
    });
    expect(typeof process.attributes["messaging.message.id"]).toBe("string");
    // The message read by offset carries the send span's context in its headers.
    const stored = await Promise.all(
      [0, 1].map(async (queueId) =>
        unwrap(await rpc.read("cftrace", queueId, { from: 0, limit: 10 })),
      ),
    );
    const message = stored
      .flatMap((page) => page.messages)
      .find((m) => m.msgId === process.attributes["messaging.message.id"])!;
    expect(message.headers.traceparent).toBe(traceparentOf(send.spanContext()));
    // The second message: a trace of its own, not the first one's.
    const second = handled.find((h) => h.job === 2)!;
    expect(second.traceId).toBeDefined();
    expect(second.traceId).not.toBe(checkout.traceId);
  });
});

const base = "https://edgeq.test/v1/stream";
const admin = { authorization: "Bearer admin-token" };
const T1 = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const T2 = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

function append(path: string, body: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`${base}/${path}`, {
    method: "POST",
    headers: { ...admin, "content-type": "text/plain", ...headers },
    body,
  });
}

async function create(path: string): Promise<void> {
  const res = await SELF.fetch(`${base}/${path}`, {
    method: "PUT",
    headers: { ...admin, "content-type": "text/plain" },
  });
  expect(res.status).toBe(201);
}

/** Reads the stream from its start to its tail: each answer's body and trace headers. */
async function readAll(path: string) {
  const answers: Array<{ body: string; traceparent: string | null; tracestate: string | null }> =
    [];
  let offset = "-1";
  for (let i = 0; i < 10; i++) {
    const res = await SELF.fetch(`${base}/${path}?offset=${offset}`, { headers: admin });
    expect(res.status).toBe(200);
    answers.push({
      body: await res.text(),
      traceparent: res.headers.get("traceparent"),
      tracestate: res.headers.get("tracestate"),
    });
    offset = res.headers.get("stream-next-offset")!;
    if (res.headers.get("stream-up-to-date") === "true") return answers;
  }
  throw new Error("the stream never read up to date");
}

describe("trace context on Durable Streams appends", () => {
  it("keeps an append's traceparent and answers it on the reads that return it", async () => {
    await create("traced/log");
    for (const [body, headers] of [
      ["a", { traceparent: T1, tracestate: "edgeq=1" }],
      ["b", { traceparent: T1, tracestate: "edgeq=1" }],
      ["c", { traceparent: T2 }],
      ["d", {}],
      // Not a traceparent: ignored, as W3C Trace Context asks, and the append stored as plain.
      ["e", { traceparent: "00-not-a-trace", tracestate: "edgeq=2" }],
      ["f", { traceparent: "00-00000000000000000000000000000000-b7ad6b7169203331-01" }],
    ] as const)
      expect((await append("traced/log", body, headers)).status).toBe(204);
    // A read holds appends of one trace context only: its headers are true of each.
    expect(await readAll("traced/log")).toEqual([
      { body: "ab", traceparent: T1, tracestate: "edgeq=1" },
      { body: "c", traceparent: T2, tracestate: null },
      { body: "def", traceparent: null, tracestate: null },
    ]);
  });

  it("reads a stream without trace context as before: one answer, no trace headers", async () => {
    await create("traced/plain");
    for (const body of ["x", "y", "z"])
      expect((await append("traced/plain", body)).status).toBe(204);
    expect(await readAll("traced/plain")).toEqual([
      { body: "xyz", traceparent: null, tracestate: null },
    ]);
  });

  it("keeps a PUT's initial content's traceparent, and lets browsers send and read it", async () => {
    const res = await SELF.fetch(`${base}/traced/initial`, {
      method: "PUT",
      headers: { ...admin, "content-type": "text/plain", traceparent: T2 },
      body: "first",
    });
    expect(res.status).toBe(201);
    expect(await readAll("traced/initial")).toEqual([
      { body: "first", traceparent: T2, tracestate: null },
    ]);
    const preflight = await SELF.fetch(`${base}/traced/initial`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-headers")).toContain("traceparent");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("tracestate");
    const read = await SELF.fetch(`${base}/traced/initial?offset=-1`, {
      headers: { ...admin, origin: "https://app.example" },
    });
    await read.arrayBuffer();
    expect(read.headers.get("access-control-expose-headers")).toContain("traceparent");
  });

  it("puts the trace context of an SSE data event's appends in its control event", async () => {
    await create("traced/live");
    expect((await append("traced/live", "one", { traceparent: T1 })).status).toBe(204);
    expect((await append("traced/live", "two")).status).toBe(204);
    const res = await SELF.fetch(`${base}/traced/live?offset=-1&live=sse`, { headers: admin });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes('"upToDate":true')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    await reader.cancel();
    const controls = [...text.matchAll(/event: control\ndata:(.*)\n/g)].map(
      (m) => JSON.parse(m[1]!) as Record<string, unknown>,
    );
    expect(controls).toHaveLength(2);
    expect(controls[0]).toMatchObject({ traceparent: T1 });
    expect(controls[1]).not.toHaveProperty("traceparent");
    expect(text).toContain("data:one\n");
    expect(text).toContain("data:two\n");
  });
});
