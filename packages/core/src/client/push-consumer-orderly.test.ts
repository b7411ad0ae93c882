import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE } from "../engine/config.js";
import type { Message } from "../model.js";
import { type MessageHandler, PushConsumer } from "./push-consumer.js";
import { sleep } from "./retry.js";
import { deferred, fastSleep, openEngine } from "./test-support.js";

/** An orderly consumer of group `g` over the real engine (topic `t`, one queue). */
async function setup(handler: MessageHandler, maxLocalRetries = 16) {
  const engine = await openEngine({ queueCount: 1, maxReconsumeTimes: 2 });
  const errors: unknown[] = [];
  const consumer = new PushConsumer(engine.transport, {
    topic: "t",
    group: "g",
    handler,
    orderly: true,
    maxLocalRetries,
    pollWaitMs: 0,
    sleep: fastSleep(),
    clock: engine.clock,
    onError: (error) => errors.push(error),
  });
  const sentBack = () => engine.transport.argsOf("sendBack").map(([, , m]) => m.offset);
  return { ...engine, consumer, errors, sentBack };
}

const label = (m: Message) => `${m.key ?? "-"}${String(m.body)}`;

describe("PushConsumer, orderly", () => {
  it("runs one key's messages one at a time in offset order, other keys meanwhile", async () => {
    const gate = deferred();
    const started: string[] = [];
    const t = await setup(async (m) => {
      started.push(label(m));
      if (label(m) === "a0") await gate.promise;
    });
    await t.produce(
      { key: "a", body: 0 },
      { key: "b", body: 0 },
      { key: "a", body: 1 },
      { key: "b", body: 1 },
      { key: "a", body: 2 },
    );
    await t.consumer.start();
    // Handlers start in offset order, a1 before b1: once b's two have run, a1
    // would have started too, unless it waits for a0.
    await expect.poll(() => t.consumer.stats().processed).toBe(2);
    // a1 must wait for a0, though b's messages went ahead.
    expect(started).toEqual(["a0", "b0", "b1"]);
    gate.resolve();
    await expect.poll(() => started.length).toBe(5);
    expect(started.filter((s) => s.startsWith("a"))).toEqual(["a0", "a1", "a2"]);
    await t.consumer.close();
    expect(await t.committed("g")).toBe(5);
  });

  it("serialises keyless messages of a queue", async () => {
    let running = 0;
    let peak = 0;
    const order: unknown[] = [];
    const t = await setup(async (m) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(0);
      order.push(m.body);
      running--;
    });
    await t.produce(...Array.from({ length: 6 }, (_, i) => ({ body: i })));
    await t.consumer.start();
    await expect.poll(() => order.length).toBe(6);
    await t.consumer.close();
    expect(peak).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("retries a failed message locally, in place, before the key's next message", async () => {
    const calls: string[] = [];
    const t = await setup((m) => {
      calls.push(`${label(m)}@${m.reconsumeTimes}`);
      if (label(m) === "a0" && m.reconsumeTimes < 2) throw new Error("not yet");
    });
    await t.produce({ key: "a", body: 0 }, { key: "a", body: 1 });
    await t.consumer.start();
    await expect.poll(() => calls).toContain("a1@0");
    await t.consumer.close();
    expect(calls).toEqual(["a0@0", "a0@1", "a0@2", "a1@0"]);
    expect(t.transport.count("sendBack")).toBe(0);
    expect(t.consumer.stats()).toMatchObject({ processed: 2, failed: 2, sentBack: 0 });
    expect(await t.committed("g")).toBe(2);
  });

  it("sends a message back after maxLocalRetries, and only then moves to the key's next", async () => {
    const calls: string[] = [];
    const retried: string[] = [];
    let sentBackBeforeA1 = -1;
    const t = await setup((m) => {
      if ("receipt" in m) {
        retried.push(`${label(m)}@${m.reconsumeTimes}`); // the retry-queue copy succeeds
        return;
      }
      calls.push(label(m));
      if (label(m) === "a1") sentBackBeforeA1 = t.sentBack().length;
      if (label(m) === "a0") throw new Error("poison");
    }, 2);
    await t.produce({ key: "a", body: 0 }, { key: "a", body: 1 });
    await t.consumer.start();
    await expect.poll(() => calls).toContain("a1");
    expect(calls).toEqual(["a0", "a0", "a0", "a1"]);
    expect(sentBackBeforeA1).toBe(1);
    expect(t.sentBack()).toEqual([0]);
    // The broker redelivers the sent-back copy after its first retry delay.
    await expect.poll(async () => (await t.groupStats("g")).retrying).toBe(1);
    t.clock.advance(DEFAULT_RETRY_SCHEDULE[0]!);
    await expect
      .poll(async () => ({ retried: retried.length, retrying: (await t.groupStats("g")).retrying }))
      .toEqual({ retried: 1, retrying: 0 });
    await t.consumer.close();
    expect(retried).toEqual(["a0@1"]);
    expect(await t.committed("g")).toBe(2);
    expect(await t.groupStats("g")).toMatchObject({ inFlight: 0, retrying: 0, deadLetters: 0 });
  });
});
