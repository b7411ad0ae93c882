import type { Message } from "@edgeq/core";
import { SpanKind, trace } from "@opentelemetry/api";
import { deleteDB } from "idb";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { registerTracing, traceparentOf } from "../../worker/test/trace-support.js";
import { createInbox, useOpenTelemetry } from "../src/index.js";
import { brokerUrl, freshOutbox, healthyNetwork, TOKEN, uniqueName } from "./helpers.js";

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

interface Handled {
  message: Message;
  traceId?: string;
  spanId?: string;
}

/** An Inbox on the `traced` topic whose handler notes the active span of each message it runs. */
async function tracedInbox(): Promise<Handled[]> {
  const handled: Handled[] = [];
  const databaseName = uniqueName("trace-inbox");
  await deleteDB(databaseName);
  const inbox = await createInbox({
    url: brokerUrl(),
    token: TOKEN,
    topic: "traced",
    group: uniqueName("traced"),
    databaseName,
    pollWaitMs: 100,
    onError: () => undefined,
    handler: async (message) => {
      const span = trace.getActiveSpan()?.spanContext();
      handled.push({ message, traceId: span?.traceId, spanId: span?.spanId });
    },
  });
  onTestFinished(() => inbox.close());
  return handled;
}

const OWN = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("trace context from the outbox to the inbox", () => {
  it("sees one trace from outbox.send() through a reload and the broker to the Inbox's handler", async () => {
    await healthyNetwork();
    const tracing = registerTracing(useOpenTelemetry);
    stop = tracing.stop;
    const name = uniqueName("traced-outbox");
    const app = trace.getTracer("app");
    // Sent offline-first: queued in IndexedDB, the outbox closed before any sync.
    const first = await freshOutbox({
      name,
      topic: "traced",
      autoSync: false,
      database: {
        name: `edgeq-outbox:${name}`,
        upgrade: (db) => {
          db.createObjectStore("orders");
        },
      },
    });
    const checkout = await app.startActiveSpan("checkout", async (span) => {
      const queued = first.send({ order: 1 }, { key: "cart-1" });
      span.end();
      await queued;
      return span.spanContext();
    });
    const save = await app.startActiveSpan("save order", async (span) => {
      const committed = first.commitWith(["orders"], async (tx) => {
        await tx.objectStore("orders").put({ order: 2 }, "2");
        tx.send({ order: 2 }, { key: "cart-2" });
      });
      span.end();
      await committed;
      return span.spanContext();
    });
    await app.startActiveSpan("own", async (span) => {
      await first.send({ order: 3 }, { key: "cart-3", headers: { traceparent: OWN } });
      span.end();
    });
    await first.close();

    // The page again: a new outbox over the same database syncs what the first queued.
    const handled = await tracedInbox();
    const again = await freshOutbox({ name, topic: "traced" }, true);
    onTestFinished(() => again.close());
    await again.flush();
    const mine = () => handled.filter((h) => h.message.producerId === again.producerId);
    await expect
      .poll(() => mine().length, { message: "the inbox to handle the three messages" })
      .toBe(3);
    const byOrder = (n: number) =>
      mine().find((h) => (h.message.body as { order: number }).order === n)!;

    const spans = tracing.exporter.getFinishedSpans();
    const processOf = (h: Handled) =>
      spans.find((s) => s.name === "process traced" && s.spanContext().spanId === h.spanId)!;
    for (const [n, parent] of [
      [1, checkout],
      [2, save],
    ] as const) {
      const h = byOrder(n);
      // Stored with the message in IndexedDB, through the reload, to the broker.
      expect(h.message.headers?.traceparent).toBe(traceparentOf(parent));
      // The handler ran in the Inbox's CONSUMER span, the child of the sender's span.
      expect(h.traceId).toBe(parent.traceId);
      const process = processOf(h);
      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(process.parentSpanContext?.spanId).toBe(parent.spanId);
      expect(process.attributes).toMatchObject({
        "messaging.system": "edgeq",
        "messaging.destination.name": "traced",
        "messaging.operation.type": "process",
        "messaging.message.id": h.message.msgId,
      });
    }
    expect(save.traceId).not.toBe(checkout.traceId);
    // A caller's own traceparent stays as it was.
    const own = byOrder(3);
    expect(own.message.headers?.traceparent).toBe(OWN);
    expect(own.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
  });

  it("adds no header while OpenTelemetry is off", async () => {
    await healthyNetwork();
    const outbox = await freshOutbox({ topic: "traced" });
    onTestFinished(() => outbox.close());
    const handled = await tracedInbox();
    await outbox.send({ order: 4 });
    await outbox.flush();
    await expect
      .poll(() => handled.map((h) => h.message.producerId), {
        message: "the inbox to handle the message",
      })
      .toContain(outbox.producerId);
    const h = handled.find((x) => x.message.producerId === outbox.producerId)!;
    expect(h.message.headers ?? {}).toEqual({});
    expect(h.traceId).toBeUndefined();
  });
});
