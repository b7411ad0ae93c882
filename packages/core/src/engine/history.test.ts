import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { openMemoryStore } from "../store/memory-store.js";
import { Broker } from "./broker.js";
import { HISTORY_MINUTES, MINUTE_MS } from "./history.js";

/** A broker on a manual clock at the start of a minute, one topic of two queues. */
async function setUp() {
  const clock = new ManualClock(Math.ceil(1_700_000_000_000 / MINUTE_MS) * MINUTE_MS);
  const store = await openMemoryStore();
  const broker = await Broker.open({ store, clock, autoTick: false });
  await broker.createTopic("t", { queueCount: 2, maxReconsumeTimes: 1, retrySchedule: [0] });
  const send = (n: number, key: string) =>
    broker.send("t", { messages: Array.from({ length: n }, (_, i) => ({ body: i, key })) });
  return { broker, clock, store, send };
}

describe("a topic's per-minute history", () => {
  it("has one value a minute, summed over the queues, flat through idle minutes, up to the live state", async () => {
    const { broker, clock, send } = await setUp();
    // Minute 0: 3 messages on one queue, 2 on the other.
    await send(3, "a");
    await send(2, "b");
    clock.advance(MINUTE_MS);
    // Minute 1: group g takes 4, acks 3 and fails 1 (maxReconsumeTimes 1: a retry, then dead).
    const leased = await broker.receive("t", "g", { max: 4, visibilityMs: 10_000 });
    expect(leased).toHaveLength(4);
    await broker.ack(
      "t",
      "g",
      leased.slice(0, 3).map((m) => m.receipt),
    );
    await broker.nack("t", "g", [leased[3]!.receipt], 0);
    const [retry] = await broker.receive("t", "g", {
      max: 1,
      visibilityMs: 10_000,
      retriesOnly: true,
    });
    await broker.nack("t", "g", [retry!.receipt], 0);
    clock.advance(3 * MINUTE_MS);
    // Minute 4, after two idle minutes: two more.
    await send(2, "a");
    clock.advance(2 * MINUTE_MS + 5_000);
    // Now: minute 6.
    const h = await broker.history("t", 8);
    expect(h.stepMs).toBe(MINUTE_MS);
    const minute0 = Math.floor(clock.now() / MINUTE_MS) - 6;
    expect(h.from).toBe((minute0 - 1) * MINUTE_MS);
    // Minute −1 (before the topic held anything) … minute 6 (live).
    expect(h.produced).toEqual([0, 5, 5, 5, 5, 7, 7, 7]);
    expect(h.groups.g!.delivered).toEqual([0, 0, 5, 5, 5, 5, 5, 5]);
    expect(h.groups.g!.acked).toEqual([0, 0, 3, 3, 3, 3, 3, 3]);
    expect(h.groups.g!.deadLettered).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    // Minute 0: every message is lag (the group did not exist yet, so it counts from the
    // queues' start, as stats do); minute 1: the fifth message was never taken; then 2 more.
    expect(h.groups.g!.lag).toEqual([0, 5, 1, 1, 1, 3, 3, 3]);
  });

  it("keeps at most HISTORY_MINUTES samples a queue, however long it runs", async () => {
    const { broker, clock, store, send } = await setUp();
    for (let i = 0; i < HISTORY_MINUTES + 30; i += 10) {
      await send(1, "a");
      clock.advance(10 * MINUTE_MS);
    }
    await send(1, "a");
    const rows = await store.scan({ prefix: "hist|" });
    // The queue of key a: a sample per active minute within the window; the other: none.
    expect(rows.length).toBeLessThanOrEqual(HISTORY_MINUTES / 10 + 2);
    // One sample per active minute, the ones past the window dropped as new ones came.
    expect(rows.length).toBeGreaterThanOrEqual(HISTORY_MINUTES / 10 - 2);
    const h = await broker.history("t", HISTORY_MINUTES);
    expect(h.produced).toHaveLength(HISTORY_MINUTES);
    expect(h.produced.at(-1)).toBe(Math.ceil((HISTORY_MINUTES + 30) / 10) + 1);
    // Every minute of the window has its value: no gap, nothing that goes backwards.
    for (let i = 1; i < h.produced.length; i++)
      expect(h.produced[i]!).toBeGreaterThanOrEqual(h.produced[i - 1]!);
  });

  it("refuses a window outside 1 to HISTORY_MINUTES minutes", async () => {
    const { broker } = await setUp();
    await expect(broker.history("t", 0)).rejects.toMatchObject({ code: "invalid_request" });
    await expect(broker.history("t", HISTORY_MINUTES + 1)).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
});
