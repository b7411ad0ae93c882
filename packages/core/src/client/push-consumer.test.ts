import { describe, expect, it } from "vitest";
import { EdgeqError } from "../errors.js";
import type { Message, OutgoingMessage } from "../model.js";
import {
  type ConsumerErrorContext,
  createPushConsumer,
  type MessageHandler,
  type PushConsumerOptions,
} from "./push-consumer.js";
import {
  deferred,
  eventually,
  FakeTransport,
  FaultyTransport,
  fastSleep,
  settle,
} from "./test-support.js";

type Options = Omit<Partial<PushConsumerOptions>, "handler"> & { queueCount?: number };

function setup(handler: MessageHandler, options: Options = {}) {
  const broker = new FakeTransport("t", options.queueCount ?? 1, 2);
  const transport = new FaultyTransport(broker);
  const errors: Array<{ error: unknown; context: ConsumerErrorContext }> = [];
  const consumer = createPushConsumer(transport, {
    topic: "t",
    group: "g",
    handler,
    pollWaitMs: 0,
    sleep: fastSleep(),
    onError: (error, context) => errors.push({ error, context }),
    ...options,
  });
  const produce = (...messages: OutgoingMessage[]) => broker.send("t", { messages });
  const committed = (queueId = 0) => broker.offsets.get("g")?.get(queueId);
  const phases = () => errors.map((e) => e.context.phase);
  return { broker, transport, consumer, errors, produce, committed, phases };
}

const bodies = (n: number) => Array.from({ length: n }, (_, i) => ({ body: i }));

describe("PushConsumer", () => {
  it("consumes every queue and commits the head of each on close", async () => {
    const seen: Message[] = [];
    const t = setup((m) => void seen.push(m), { queueCount: 3 });
    await t.produce(...bodies(9));
    await t.consumer.start();
    await eventually(() => seen.length === 9);
    await t.consumer.close();
    await t.consumer.close();
    expect([0, 1, 2].map((q) => t.committed(q))).toEqual([3, 3, 3]);
    expect(t.consumer.committedOffsets()).toEqual({ "0": 3, "1": 3, "2": 3 });
    expect(t.consumer.stats()).toMatchObject({ processed: 9, failed: 0, inProcess: 0 });
  });

  it("resumes from the group's committed offset", async () => {
    const seen: unknown[] = [];
    const t = setup((m) => void seen.push(m.body));
    await t.produce(...bodies(5));
    await t.broker.commitOffsets("t", "g", { "0": 3 });
    await t.consumer.start();
    await eventually(() => seen.length === 2);
    await t.consumer.close();
    expect(seen).toEqual([3, 4]);
  });

  it("starts a group without offsets at the oldest retained message", async () => {
    const seen: unknown[] = [];
    const t = setup((m) => void seen.push(m.body));
    await t.produce(...bodies(5));
    t.broker.trim(0, 2);
    await t.consumer.start();
    await eventually(() => seen.length === 3);
    await t.consumer.close();
    expect(seen).toEqual([2, 3, 4]);
    expect(t.phases()).toEqual([]);
  });

  it("never commits past a message still in process, however the others finish", async () => {
    const slow = deferred();
    const done: number[] = [];
    const t = setup(async (m) => {
      if (m.offset === 1) await slow.promise;
      done.push(m.offset);
    });
    await t.produce(...bodies(5));
    await t.consumer.start();
    await eventually(() => done.length === 4);
    await settle();
    await t.consumer.commit();
    expect(t.committed()).toBe(1);
    // No commit at all (periodic, batch-end or explicit) went past offset 1.
    expect(t.broker.commits.length).toBeGreaterThan(0);
    expect(t.broker.commits.every((c) => (c["0"] ?? 0) <= 1)).toBe(true);
    expect(t.consumer.stats().inProcess).toBe(1);
    slow.resolve();
    await eventually(() => done.length === 5);
    await t.consumer.commit();
    expect(t.committed()).toBe(5);
    await t.consumer.close();
  });

  it("sends a failed message back, then consumes it from the retry queue and acks it", async () => {
    const calls: Array<[number, number]> = [];
    const t = setup((m) => {
      calls.push([m.offset, m.reconsumeTimes]);
      if (m.offset === 1 && m.reconsumeTimes === 0) throw new Error("handler failed");
    });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await eventually(() => calls.length === 4 && t.broker.retries.length === 0);
    await t.consumer.close();
    expect(t.broker.sentBack).toEqual([{ queueId: 0, offset: 1, delayMs: undefined }]);
    expect(calls).toContainEqual([1, 1]);
    expect(t.committed()).toBe(3);
    expect(t.consumer.stats()).toMatchObject({ processed: 3, failed: 1, sentBack: 1 });
  });

  it("does not commit past a message whose send-back keeps failing, and retries it (C4)", async () => {
    const t = setup((m) => {
      if (m.offset === 1) throw new Error("handler failed");
    });
    t.transport.failBefore("sendBack", { times: Number.POSITIVE_INFINITY });
    await t.produce(...bodies(4));
    await t.consumer.start();
    await eventually(
      () => t.transport.count("sendBack") >= 3 && t.consumer.stats().processed === 3,
    );
    await t.consumer.commit();
    expect(t.committed()).toBe(1);
    expect(t.consumer.stats().inProcess).toBe(1);
    expect(t.broker.sentBack).toEqual([]);
    t.transport.heal("sendBack");
    await eventually(() => t.broker.sentBack.length === 1);
    await t.consumer.commit();
    expect(t.committed()).toBe(4);
    await t.consumer.close();
    expect(t.phases()).toContain("send_back");
  });

  it("on close with a send-back still failing, commits only up to that message", async () => {
    const t = setup((m) => {
      if (m.offset === 2) throw new Error("handler failed");
    });
    t.transport.failBefore("sendBack", { times: Number.POSITIVE_INFINITY });
    await t.produce(...bodies(5));
    await t.consumer.start();
    await eventually(
      () => t.transport.count("sendBack") >= 2 && t.consumer.stats().processed === 4,
    );
    await t.consumer.close();
    expect(t.committed()).toBe(2);
    expect(Math.max(...t.broker.commits.map((c) => c["0"] ?? 0))).toBe(2);
  });

  it("close() waits for running handlers and commits what they finished", async () => {
    const last = deferred();
    const t = setup(async (m) => {
      if (m.offset === 2) await last.promise;
    });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await eventually(() => t.consumer.stats().processed === 2);
    let closed = false;
    const closing = t.consumer.close().then(() => {
      closed = true;
    });
    await settle();
    expect(closed).toBe(false);
    expect(t.committed() ?? 0).toBeLessThan(3);
    last.resolve();
    await closing;
    expect(t.committed()).toBe(3);
  });

  it("a handler failing after close() began is not sent back and not committed past", async () => {
    const t = setup(async (m, { signal }) => {
      if (m.offset !== 1) return;
      await new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await eventually(() => t.consumer.stats().processed === 2);
    await t.consumer.close();
    expect(t.committed()).toBe(1);
    expect(t.broker.sentBack).toEqual([]);
    expect(t.consumer.stats().failed).toBe(0);
  });

  it("keeps reading through transport errors", async () => {
    const seen: unknown[] = [];
    const t = setup((m) => void seen.push(m.body));
    t.transport.failBefore("read", { skip: 1, times: 3 });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await eventually(() => seen.length === 3);
    await t.consumer.close();
    expect(seen).toEqual([0, 1, 2]);
    expect(t.phases().filter((p) => p === "read")).toHaveLength(3);
  });

  it("jumps to minOffset when retention removed unread messages, and reports it", async () => {
    const seen: unknown[] = [];
    const t = setup((m) => void seen.push(m.body));
    await t.produce(...bodies(6));
    await t.broker.commitOffsets("t", "g", { "0": 1 });
    t.broker.trim(0, 4);
    await t.consumer.start();
    await eventually(() => seen.length === 2);
    await t.consumer.close();
    expect(seen).toEqual([4, 5]);
    expect(t.phases()).toEqual(["offset_reset"]);
    expect(t.committed()).toBe(6);
  });

  it("a failed commit is reported and made good by the next one", async () => {
    const t = setup(() => undefined);
    t.transport.failBefore("commitOffsets", { times: Number.POSITIVE_INFINITY });
    await t.produce(...bodies(2));
    await t.consumer.start();
    await eventually(() => t.consumer.stats().processed === 2 && t.phases().includes("commit"));
    expect(t.committed()).toBeUndefined();
    t.transport.heal();
    await t.consumer.close();
    expect(t.committed()).toBe(2);
  });

  it("commits past messages the tag filter skipped", async () => {
    const seen: unknown[] = [];
    const t = setup((m) => void seen.push(m.body), { tags: ["b"] });
    await t.produce({ body: 0, tags: ["a"] }, { body: 1, tags: ["b"] }, { body: 2, tags: ["a"] });
    await t.consumer.start();
    await eventually(() => seen.length === 1 && t.committed() === 3);
    await t.consumer.close();
    expect(seen).toEqual([1]);
  });

  it("runs at most `concurrency` handlers at once", async () => {
    let running = 0;
    let peak = 0;
    const t = setup(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await settle(1);
        running--;
      },
      { concurrency: 3, queueCount: 2 },
    );
    await t.produce(...bodies(20));
    await t.consumer.start();
    await eventually(() => t.consumer.stats().processed === 20);
    await t.consumer.close();
    expect(peak).toBe(3);
  });

  it("nacks a retry that fails again; the broker dead-letters it past maxReconsumeTimes", async () => {
    const t = setup(() => {
      throw new Error("always fails");
    });
    await t.produce({ body: "poison" });
    await t.consumer.start();
    await eventually(() => t.broker.deadLetters.length === 1);
    await t.consumer.close();
    expect(t.broker.deadLetters[0]?.message.reconsumeTimes).toBe(3);
    expect(t.committed()).toBe(1);
    expect(t.consumer.stats()).toMatchObject({ failed: 3, sentBack: 3, inProcess: 0 });
  });

  it("reports and rejects start() for an unknown topic", async () => {
    const t = setup(() => undefined, { topic: "nope" });
    await expect(t.consumer.start()).rejects.toBeInstanceOf(EdgeqError);
    await t.consumer.close();
  });
});
