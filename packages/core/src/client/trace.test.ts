import * as api from "@opentelemetry/api";
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { Broker } from "../engine/broker.js";
import type { Message } from "../model.js";
import { openMemoryStore } from "../store/memory-store.js";
import { flushed } from "../testing/producer-flush.js";
import { DurableProducer } from "./durable/durable-producer.js";
import { LocalTransport } from "./local-transport.js";
import { Producer } from "./producer.js";
import { PushConsumer } from "./push-consumer.js";
import { fastSleep } from "./test-support.js";
import { boundTraceContext, tracedBatch, useOpenTelemetry } from "./trace.js";

async function setUp() {
  const clock = new ManualClock();
  const broker = await Broker.open({ store: await openMemoryStore(), clock });
  await broker.createTopic("t", { queueCount: 2 });
  const transport = new LocalTransport(broker);
  return { broker, clock, transport, producer: new Producer(transport, { topic: "t" }) };
}

/** Consumes until `count` messages were handled; answers them with the active span's ids inside the handler. */
async function consume(t: Awaited<ReturnType<typeof setUp>>, count: number) {
  const seen: Array<{ message: Message; traceId?: string; spanId?: string }> = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const consumer = new PushConsumer(t.transport, {
    topic: "t",
    group: "g",
    pollWaitMs: 0,
    sleep: fastSleep(),
    clock: t.clock,
    handler: async (message) => {
      const span = trace.getActiveSpan()?.spanContext();
      seen.push({ message, ...(span ? { traceId: span.traceId, spanId: span.spanId } : {}) });
      if (seen.length === count) done();
    },
  });
  await consumer.start();
  await all;
  await consumer.close();
  return seen;
}

/** An SDK with the in-memory exporter, registered globally, and edgeq told to use the API. */
function register(): InMemorySpanExporter {
  useOpenTelemetry(api);
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return exporter;
}

afterEach(() => {
  useOpenTelemetry(undefined);
  trace.disable();
  propagation.disable();
  context.disable();
});

describe("trace context through edgeq", () => {
  it("adds nothing to a message while no OpenTelemetry SDK is registered", async () => {
    useOpenTelemetry(api);
    const t = await setUp();
    await t.producer.send({ body: "plain" });
    const [seen] = await consume(t, 1);
    expect(seen!.message.headers ?? {}).toEqual({});
    expect(seen!.traceId).toBeUndefined();
  });

  it("stays off until the app hands its API, even with an SDK registered", async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const t = await setUp();
    await trace.getTracer("app").startActiveSpan("checkout", async (span) => {
      await t.producer.send({ body: "plain" });
      span.end();
    });
    const [seen] = await consume(t, 1);
    expect(seen!.message.headers ?? {}).toEqual({});
    expect(seen!.traceId).toBeUndefined();
  });

  it("carries a send's traceparent to the consumer, whose handler runs in a child span", async () => {
    useOpenTelemetry(api);
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const t = await setUp();
    const app = trace.getTracer("app");
    await app.startActiveSpan("checkout", async (span) => {
      await t.producer.send({ body: { order: 1 }, key: "cart-1" });
      span.end();
    });
    // A caller's own traceparent is kept as it is.
    const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    await t.producer.send({ body: "own", headers: { traceparent: own } });
    const seen = await consume(t, 2);
    const byBody = (b: unknown) =>
      seen.find((s) => JSON.stringify(s.message.body) === JSON.stringify(b))!;
    const spans = exporter.getFinishedSpans();
    const checkout = spans.find((s) => s.name === "checkout")!;
    const send = spans.find(
      (s) => s.name === "send t" && s.parentSpanContext?.spanId === checkout.spanContext().spanId,
    )!;
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(send.attributes).toMatchObject({
      "messaging.system": "edgeq",
      "messaging.destination.name": "t",
      "messaging.operation.type": "send",
    });
    // One trace from the app's span to the consumer's handler.
    const traced = byBody({ order: 1 });
    expect(traced.message.headers?.traceparent).toBe(
      `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`,
    );
    const process = spans.find(
      (s) => s.name === "process t" && s.spanContext().spanId === traced.spanId,
    )!;
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.spanContext().traceId).toBe(checkout.spanContext().traceId);
    expect(process.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(process.attributes).toMatchObject({
      "messaging.system": "edgeq",
      "messaging.destination.name": "t",
      "messaging.consumer.group.name": "g",
      "messaging.message.id": traced.message.msgId,
      "messaging.operation.type": "process",
    });
    const kept = byBody("own");
    expect(kept.message.headers?.traceparent).toBe(own);
    expect(kept.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
  });

  it("keeps the sender's context with a durable producer's queued message, stamped at send", async () => {
    const exporter = register();
    const t = await setUp();
    const store = await openMemoryStore();
    const producer = await DurableProducer.open(store, { topic: "t", transport: t.transport });
    const app = trace.getTracer("app");
    const checkout = await app.startActiveSpan("checkout", async (span) => {
      await producer.send([{ body: "queued" }]);
      span.end();
      return span.spanContext();
    });
    // Sent after the span ended: the context came from the local log, not the sync's moment.
    const running = producer.run();
    await flushed(producer);
    producer.close();
    await running;
    const [seen] = await consume(t, 1);
    expect(seen!.message.headers?.traceparent).toBe(`00-${checkout.traceId}-${checkout.spanId}-01`);
    const process = exporter.getFinishedSpans().find((s) => s.name === "process t")!;
    expect(process.parentSpanContext?.spanId).toBe(checkout.spanId);
    expect(seen!.traceId).toBe(checkout.traceId);
  });

  it("runs a batch in one span: the child of the one context its messages carry, linked to several", async () => {
    const exporter = register();
    const t = await setUp();
    const app = trace.getTracer("app");
    const sendIn = (name: string, bodies: string[]) =>
      app.startActiveSpan(name, async (span) => {
        await t.producer.sendBatch(bodies.map((body) => ({ body, key: "k" })));
        span.end();
        return span.spanContext();
      });
    const one = await sendIn("one", ["a", "b"]);
    const other = await sendIn("other", ["c"]);
    const messages = (await t.broker.receive("t", "cf", { max: 10, visibilityMs: 60_000 }))
      .map((m) => m as Message)
      .sort((x, y) => String(x.body).localeCompare(String(y.body)));
    expect(messages.map((m) => m.body)).toEqual(["a", "b", "c"]);
    const spanOf = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name)!;
    const sendOf = (parent: string) =>
      exporter
        .getFinishedSpans()
        .find(
          (s) =>
            s.name === "send t" &&
            s.parentSpanContext?.spanId === spanOf(parent).spanContext().spanId,
        )!
        .spanContext();

    const handled: Array<string | undefined> = [];
    const handle = async () => {
      handled.push(trace.getActiveSpan()?.spanContext().traceId);
    };
    await tracedBatch("t", "cf", messages.slice(0, 2), handle);
    await tracedBatch("t", "cf", messages, handle);
    const [same, mixed] = exporter.getFinishedSpans().filter((s) => s.name === "process t");
    expect(same!.kind).toBe(SpanKind.CONSUMER);
    expect(same!.parentSpanContext?.spanId).toBe(sendOf("one").spanId);
    expect(handled[0]).toBe(one.traceId);
    expect(same!.links).toEqual([]);
    expect(same!.attributes).toMatchObject({
      "messaging.system": "edgeq",
      "messaging.destination.name": "t",
      "messaging.consumer.group.name": "cf",
      "messaging.batch.message_count": 2,
      "messaging.operation.type": "process",
    });
    // Several contexts: a span of its own (no parent here), linked to each send.
    expect(mixed!.parentSpanContext).toBeUndefined();
    expect(handled[1]).not.toBe(one.traceId);
    expect(mixed!.links.map((l) => l.context.spanId).sort()).toEqual(
      [sendOf("one").spanId, sendOf("other").spanId].sort(),
    );
    expect(other.traceId).not.toBe(one.traceId);
  });

  it("stamps a later send with the context active then, else with the one it was bound in", () => {
    useOpenTelemetry(undefined);
    type Sent = { body: number; headers?: Record<string, string> };
    const plain: Sent = { body: 0 };
    expect(boundTraceContext()(plain)).toBe(plain);
    register();
    const app = trace.getTracer("app");
    const hex = (s: { traceId: string; spanId: string }) => `00-${s.traceId}-${s.spanId}-01`;
    const { traced, outer } = app.startActiveSpan("outer", (span) => {
      span.end();
      return { traced: boundTraceContext(), outer: span.spanContext() };
    });
    // No span active any more: the context it was bound in.
    expect(traced<Sent>({ body: 1 }).headers?.traceparent).toBe(hex(outer));
    // A span active at the send wins.
    const inner = app.startActiveSpan("inner", (span) => {
      span.end();
      return { message: traced<Sent>({ body: 2 }), span: span.spanContext() };
    });
    expect(inner.message.headers?.traceparent).toBe(hex(inner.span));
    const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    expect(traced<Sent>({ body: 3, headers: { traceparent: own } }).headers?.traceparent).toBe(own);
  });
});
