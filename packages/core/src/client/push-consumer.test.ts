import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE } from "../engine/config.js";
import { EdgeqError } from "../errors.js";
import type { Message } from "../model.js";
import {
  type ConsumerErrorContext,
  type MessageHandler,
  PushConsumer,
  type PushConsumerOptions,
} from "./push-consumer.js";
import { sleep } from "./retry.js";
import {
  deferred,
  eventLoopTurns,
  type FaultyTransport,
  fastSleep,
  openEngine,
} from "./test-support.js";

type Options = Omit<Partial<PushConsumerOptions>, "handler"> & { queueCount?: number };

/**
 * A consumer of group `g` over the real engine (topic `t`, one queue unless
 * `queueCount`, `maxReconsumeTimes` 2 and the default retry schedule, which
 * the tests pass by advancing the clock) through a FaultyTransport.
 */
async function setup(handler: MessageHandler, options: Options = {}) {
  const { queueCount = 1, ...consumerOptions } = options;
  const engine = await openEngine({ queueCount, maxReconsumeTimes: 2 });
  const { transport, clock } = engine;
  const errors: Array<{ error: unknown; context: ConsumerErrorContext }> = [];
  const consumer = new PushConsumer(transport, {
    topic: "t",
    group: "g",
    handler,
    pollWaitMs: 0,
    sleep: fastSleep(),
    clock,
    onError: (error, context) => errors.push({ error, context }),
    ...consumerOptions,
  });
  const committed = (queueId = 0) => engine.committed("g", queueId);
  const phases = () => errors.map((e) => e.context.phase);
  // What reached the broker: commits and send-backs (a call failed `before` never did).
  const commits = () => transport.argsOf("commitOffsets").map(([, , offsets]) => offsets);
  const sentBack = () =>
    transport.argsOf("sendBack").map(([, , { queueId, offset }, options]) => ({
      queueId,
      offset,
      delayMs: options?.delayMs,
    }));
  const group = () => engine.groupStats("g");
  return { ...engine, consumer, errors, committed, phases, commits, sentBack, group };
}

/** The broker's first retry delay (its default schedule): a sent-back message is due after it. */
const FIRST_RETRY_MS = DEFAULT_RETRY_SCHEDULE[0]!;

/** A commit interval no other pause of the consumer uses, to count its periodic commits by. */
const COMMIT_INTERVAL_MS = 4321;

/**
 * Resolves once the consumer's retry loop has asked the broker for due
 * retries twice more (and handled what came): the first of those asks began
 * after this call, so its answer holds whatever the clock, as the test set
 * it, makes due.
 */
async function retryQueueAskedAgain(t: { transport: FaultyTransport }): Promise<void> {
  const asked = t.transport.count("receive");
  await expect.poll(() => t.transport.count("receive")).toBeGreaterThanOrEqual(asked + 2);
}

const bodies = (n: number) => Array.from({ length: n }, (_, i) => ({ body: i }));

describe("PushConsumer", () => {
  it("consumes every queue and commits the head of each on close", async () => {
    const seen: Message[] = [];
    const t = await setup((m) => void seen.push(m), { queueCount: 3 });
    await t.produce(...bodies(9));
    await t.consumer.start();
    await expect.poll(() => seen.length).toBe(9);
    await t.consumer.close();
    await t.consumer.close();
    expect(await Promise.all([0, 1, 2].map((q) => t.committed(q)))).toEqual([3, 3, 3]);
    expect(t.consumer.committedOffsets()).toEqual({ "0": 3, "1": 3, "2": 3 });
    expect(t.consumer.stats()).toMatchObject({ processed: 9, failed: 0, inProcess: 0 });
  });

  it("resumes from the group's committed offset", async () => {
    const seen: unknown[] = [];
    const t = await setup((m) => void seen.push(m.body));
    await t.produce(...bodies(5));
    await t.broker.commitOffsets("t", "g", { "0": 3 });
    await t.consumer.start();
    await expect.poll(() => seen.length).toBe(2);
    await t.consumer.close();
    expect(seen).toEqual([3, 4]);
  });

  it("starts a group without offsets at the oldest retained message", async () => {
    const seen: unknown[] = [];
    const t = await setup((m) => void seen.push(m.body));
    await t.produce(...bodies(5));
    await t.trim(0, 2);
    await t.consumer.start();
    await expect.poll(() => seen.length).toBe(3);
    await t.consumer.close();
    expect(seen).toEqual([2, 3, 4]);
    expect(t.phases()).toEqual([]);
  });

  it("never commits past a message still in process, however the others finish", async () => {
    const slow = deferred();
    const done: number[] = [];
    const sleep = fastSleep();
    const t = await setup(
      async (m) => {
        if (m.offset === 1) await slow.promise;
        done.push(m.offset);
      },
      { sleep, commitIntervalMs: COMMIT_INTERVAL_MS },
    );
    await t.produce(...bodies(5));
    await t.consumer.start();
    await expect.poll(() => done.length).toBe(4);
    // The commit loop starts its second pause from now only after a periodic
    // commit that began once the four had finished.
    const periodic = () => sleep.delays.filter((ms) => ms === COMMIT_INTERVAL_MS).length;
    const pauses = periodic();
    await expect.poll(periodic).toBeGreaterThanOrEqual(pauses + 2);
    await t.consumer.commit();
    expect(await t.committed()).toBe(1);
    // No commit at all (periodic, batch-end or explicit) went past offset 1.
    expect(t.commits().length).toBeGreaterThan(0);
    expect(t.commits().every((c) => (c["0"] ?? 0) <= 1)).toBe(true);
    expect(t.consumer.stats().inProcess).toBe(1);
    slow.resolve();
    await expect.poll(() => done.length).toBe(5);
    await t.consumer.commit();
    expect(await t.committed()).toBe(5);
    await t.consumer.close();
  });

  it("sends a failed message back, then consumes it from the retry queue and acks it", async () => {
    const calls: Array<[number, number]> = [];
    const t = await setup((m) => {
      calls.push([m.offset, m.reconsumeTimes]);
      if (m.offset === 1 && m.reconsumeTimes === 0) throw new Error("handler failed");
    });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await expect
      .poll(async () => ({ calls: calls.length, retrying: (await t.group()).retrying }))
      .toEqual({ calls: 3, retrying: 1 });
    // The broker holds the retry for its first delay: a millisecond before it
    // is due, the retry loop asks the broker and gets nothing.
    t.clock.advance(FIRST_RETRY_MS - 1);
    await retryQueueAskedAgain(t);
    expect(calls).toHaveLength(3);
    t.clock.advance(1);
    await expect
      .poll(async () => {
        const { retrying, inFlight } = await t.group();
        return { calls: calls.length, retrying, inFlight };
      })
      .toEqual({ calls: 4, retrying: 0, inFlight: 0 });
    await t.consumer.close();
    expect(t.sentBack()).toEqual([{ queueId: 0, offset: 1, delayMs: undefined }]);
    expect(calls[3]).toEqual([1, 1]);
    expect(await t.committed()).toBe(3);
    expect(t.consumer.stats()).toMatchObject({ processed: 3, failed: 1, sentBack: 1 });
    expect(await t.group()).toMatchObject({ inFlight: 0, retrying: 0, deadLetters: 0 });
  });

  it("does not commit past a message whose send-back keeps failing, and retries it (C4)", async () => {
    const t = await setup((m) => {
      if (m.offset === 1) throw new Error("handler failed");
    });
    t.transport.failBefore("sendBack", { times: Number.POSITIVE_INFINITY });
    await t.produce(...bodies(4));
    await t.consumer.start();
    await expect
      .poll(() => ({
        sendBacksTried: t.transport.count("sendBack") >= 3,
        processed: t.consumer.stats().processed,
      }))
      .toEqual({ sendBacksTried: true, processed: 3 });
    await t.consumer.commit();
    expect(await t.committed()).toBe(1);
    expect(t.consumer.stats().inProcess).toBe(1);
    expect(t.sentBack()).toEqual([]);
    expect((await t.group()).retrying).toBe(0);
    t.transport.heal("sendBack");
    await expect.poll(() => t.sentBack().length).toBe(1);
    await t.consumer.commit();
    expect(await t.committed()).toBe(4);
    expect((await t.group()).retrying).toBe(1);
    await t.consumer.close();
    expect(t.phases()).toContain("send_back");
  });

  it("on close with a send-back still failing, commits only up to that message", async () => {
    const t = await setup((m) => {
      if (m.offset === 2) throw new Error("handler failed");
    });
    t.transport.failBefore("sendBack", { times: Number.POSITIVE_INFINITY });
    await t.produce(...bodies(5));
    await t.consumer.start();
    await expect
      .poll(() => ({
        sendBacksTried: t.transport.count("sendBack") >= 2,
        processed: t.consumer.stats().processed,
      }))
      .toEqual({ sendBacksTried: true, processed: 4 });
    await t.consumer.close();
    expect(await t.committed()).toBe(2);
    expect(Math.max(...t.commits().map((c) => c["0"] ?? 0))).toBe(2);
  });

  it("close() waits for running handlers and commits what they finished", async () => {
    const last = deferred();
    const t = await setup(async (m) => {
      if (m.offset === 2) await last.promise;
    });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await expect.poll(() => t.consumer.stats().processed).toBe(2);
    let closed = false;
    const closing = t.consumer.close().then(() => {
      closed = true;
    });
    // Nothing signals "close() is waiting": give its other work (stopping
    // the loops, each a turn or two) the event loop, then it must still wait.
    await eventLoopTurns(50);
    expect(closed).toBe(false);
    expect((await t.committed()) ?? 0).toBeLessThan(3);
    last.resolve();
    await closing;
    expect(await t.committed()).toBe(3);
  });

  it("a handler failing after close() began is not sent back and not committed past", async () => {
    const t = await setup(async (m, { signal }) => {
      if (m.offset !== 1) return;
      await new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await expect.poll(() => t.consumer.stats().processed).toBe(2);
    await t.consumer.close();
    expect(await t.committed()).toBe(1);
    expect(t.transport.count("sendBack")).toBe(0);
    expect(t.consumer.stats().failed).toBe(0);
    expect((await t.group()).retrying).toBe(0);
  });

  it("keeps reading through transport errors", async () => {
    const seen: unknown[] = [];
    const t = await setup((m) => void seen.push(m.body));
    t.transport.failBefore("read", { skip: 1, times: 3 });
    await t.produce(...bodies(3));
    await t.consumer.start();
    await expect.poll(() => seen.length).toBe(3);
    await t.consumer.close();
    expect(seen).toEqual([0, 1, 2]);
    expect(t.phases().filter((p) => p === "read")).toHaveLength(3);
  });

  it("a group whose committed offset retention passed starts at the oldest retained message", async () => {
    const seen: unknown[] = [];
    const t = await setup((m) => void seen.push(m.body));
    await t.produce(...bodies(6));
    await t.broker.commitOffsets("t", "g", { "0": 1 });
    await t.trim(0, 4);
    await t.consumer.start();
    await expect.poll(() => seen.length).toBe(2);
    await t.consumer.close();
    // The broker answers getOffsets with the committed offset raised to minOffset.
    expect(seen).toEqual([4, 5]);
    expect(t.phases()).toEqual([]);
    expect(await t.committed()).toBe(6);
  });

  it("jumps to minOffset when retention removed unread messages while reading, and reports it", async () => {
    const seen: unknown[] = [];
    const t = await setup((m) => void seen.push(m.body));
    await t.produce(...bodies(6));
    await t.broker.commitOffsets("t", "g", { "0": 1 });
    // The consumer is positioned at 1 but cannot read yet; meanwhile retention runs.
    t.transport.failBefore("read", { times: Number.POSITIVE_INFINITY });
    await t.consumer.start();
    await expect.poll(() => t.transport.count("read")).toBeGreaterThanOrEqual(2);
    await t.trim(0, 4);
    t.transport.heal("read");
    await expect.poll(() => seen.length).toBe(2);
    await t.consumer.close();
    expect(seen).toEqual([4, 5]);
    expect(t.phases().filter((p) => p !== "read")).toEqual(["offset_reset"]);
    expect(t.phases().at(-1)).toBe("offset_reset");
    expect(await t.committed()).toBe(6);
  });

  it("a failed commit is reported and made good by the next one", async () => {
    const t = await setup(() => undefined);
    t.transport.failBefore("commitOffsets", { times: Number.POSITIVE_INFINITY });
    await t.produce(...bodies(2));
    await t.consumer.start();
    await expect
      .poll(() => ({ processed: t.consumer.stats().processed, phases: t.phases() }))
      .toMatchObject({ processed: 2, phases: expect.arrayContaining(["commit"]) });
    expect(await t.committed()).toBeUndefined();
    t.transport.heal();
    await t.consumer.close();
    expect(await t.committed()).toBe(2);
  });

  it("commits past messages the tag filter skipped", async () => {
    const seen: unknown[] = [];
    const t = await setup((m) => void seen.push(m.body), { tags: ["b"] });
    await t.produce({ body: 0, tags: ["a"] }, { body: 1, tags: ["b"] }, { body: 2, tags: ["a"] });
    await t.consumer.start();
    await expect
      .poll(async () => ({ seen: seen.length, committed: await t.committed() }))
      .toEqual({ seen: 1, committed: 3 });
    await t.consumer.close();
    expect(seen).toEqual([1]);
  });

  it("runs at most `concurrency` handlers at once", async () => {
    let running = 0;
    let peak = 0;
    const t = await setup(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(0);
        running--;
      },
      { concurrency: 3, queueCount: 2 },
    );
    await t.produce(...bodies(20));
    await t.consumer.start();
    await expect.poll(() => t.consumer.stats().processed).toBe(20);
    await t.consumer.close();
    expect(peak).toBe(3);
  });

  it("nacks a retry that fails again; the broker dead-letters it past maxReconsumeTimes", async () => {
    const deliveries: number[] = [];
    const t = await setup((m) => {
      deliveries.push(m.reconsumeTimes);
      throw new Error("always fails");
    });
    await t.produce({ body: "poison" });
    await t.consumer.start();
    // Each failure waits out the schedule's next delay (10 s, then 30 s) in the
    // broker's retry queue; past maxReconsumeTimes (2) the nack dead-letters it.
    for (const [n, delay] of DEFAULT_RETRY_SCHEDULE.slice(0, 2).entries()) {
      await expect
        .poll(async () => ({ deliveries: deliveries.length, retrying: (await t.group()).retrying }))
        .toEqual({ deliveries: n + 1, retrying: 1 });
      // Not redelivered a millisecond before the delay is over.
      t.clock.advance(delay - 1);
      await retryQueueAskedAgain(t);
      expect(deliveries).toHaveLength(n + 1);
      t.clock.advance(1);
    }
    await expect.poll(async () => (await t.group()).deadLetters).toBe(1);
    await t.consumer.close();
    expect(deliveries).toEqual([0, 1, 2]);
    const dead = await t.broker.listDeadLetters("t", "g");
    expect(dead).toHaveLength(1);
    expect(dead[0]?.message).toMatchObject({ body: "poison", offset: 0, reconsumeTimes: 2 });
    expect(await t.committed()).toBe(1);
    expect(t.consumer.stats()).toMatchObject({ failed: 3, sentBack: 3, inProcess: 0 });
    expect(await t.group()).toMatchObject({ inFlight: 0, retrying: 0 });
  });

  it("reports and rejects start() for an unknown topic", async () => {
    const t = await setup(() => undefined, { topic: "nope" });
    await expect(t.consumer.start()).rejects.toMatchObject({ code: "not_found" });
    await expect(t.consumer.start()).rejects.toBeInstanceOf(EdgeqError);
    await t.consumer.close();
  });
});
