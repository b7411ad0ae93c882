import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { openMemoryStore } from "../store/memory-store.js";
import { Broker } from "./broker.js";

/** A broker on a manual clock, one queue, messages retried at once and dead-lettered after 2 failures. */
async function setUp() {
  const clock = new ManualClock();
  const broker = await Broker.open({ store: await openMemoryStore(), clock, autoTick: false });
  await broker.createTopic("t", { queueCount: 1, maxReconsumeTimes: 2, retrySchedule: [0] });
  const bodies = async (group: string) =>
    (await broker.receive("t", group, { max: 10, visibilityMs: 1_000 })).map((m) => m.body);
  return { broker, clock, bodies };
}

describe("a message's expiresAt at the broker", () => {
  it("is never delivered after it: a lease-mode group dead-letters it with reason `expired`", async () => {
    const { broker, clock, bodies } = await setUp();
    const now = clock.now();
    await broker.send("t", {
      messages: [
        { body: "stale", expiresAt: now + 1_000 },
        { body: "fresh", expiresAt: now + 60_000 },
        { body: "forever" },
      ],
    });
    clock.advance(1_000);
    expect(await bodies("g")).toEqual(["fresh", "forever"]);
    const dead = await broker.listDeadLetters("t", "g");
    expect(dead.map((d) => [d.message.body, d.reason, d.message.expiresAt])).toEqual([
      ["stale", "expired", now + 1_000],
    ]);
    expect((await broker.stats("t")).groups.g).toMatchObject({ deadLetters: 1 });
  });

  it("dead-letters a message that expires while it waits for a retry", async () => {
    const { broker, clock, bodies } = await setUp();
    await broker.send("t", { messages: [{ body: "flaky", expiresAt: clock.now() + 500 }] });
    const [leased] = await broker.receive("t", "g", { max: 1, visibilityMs: 1_000 });
    await broker.nack("t", "g", [leased!.receipt], 200);
    clock.advance(500);
    expect(await bodies("g")).toEqual([]);
    expect((await broker.listDeadLetters("t", "g")).map((d) => d.reason)).toEqual(["expired"]);
  });

  it("keeps the usual reason for a message that failed too often", async () => {
    const { broker, bodies } = await setUp();
    await broker.send("t", { messages: [{ body: "poison" }] });
    for (let i = 0; i < 3; i++) {
      const [m] = await broker.receive("t", "g", { max: 1, visibilityMs: 1_000 });
      await broker.nack("t", "g", [m!.receipt], 0);
    }
    expect(await bodies("g")).toEqual([]);
    expect((await broker.listDeadLetters("t", "g")).map((d) => d.reason)).toEqual([
      "max_reconsume_times",
    ]);
  });

  it("is left out of a read by offset once it has passed, its offset a gap", async () => {
    const { broker, clock } = await setUp();
    await broker.send("t", {
      messages: [{ body: "a" }, { body: "b", expiresAt: clock.now() + 10 }, { body: "c" }],
    });
    const before = await broker.read("t", 0, { from: 0 });
    expect(before.messages.map((m) => [m.offset, m.body])).toEqual([
      [0, "a"],
      [1, "b"],
      [2, "c"],
    ]);
    clock.advance(10);
    const after = await broker.read("t", 0, { from: 0 });
    expect(after.messages.map((m) => [m.offset, m.body])).toEqual([
      [0, "a"],
      [2, "c"],
    ]);
    expect(after.nextOffset).toBe(3);
  });

  it("refuses an expiresAt that is not a whole number of ms, storing nothing", async () => {
    const { broker } = await setUp();
    for (const expiresAt of [-1, 1.5, "soon"])
      await expect(
        broker.send("t", { messages: [{ body: "x" }, { body: "y", expiresAt }] }),
      ).rejects.toMatchObject({ code: "invalid_request" });
    expect((await broker.read("t", 0, { from: 0 })).messages).toEqual([]);
  });
});
