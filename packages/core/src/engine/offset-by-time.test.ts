import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { openMemoryStore } from "../store/memory-store.js";
import { Broker } from "./broker.js";

describe("the first offset produced at or after a time", () => {
  it("finds each queue's first message at or after the time over many segments, the head past the last one", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const broker = await Broker.open({ store: await openMemoryStore(), clock, autoTick: false });
    await broker.createTopic("t", { queueCount: 1 });
    const start = clock.now();
    // 200 sends (one segment each), 1 s apart; sends 50… also hold 3 messages each.
    for (let i = 0; i < 200; i++) {
      const n = i >= 50 ? 3 : 1;
      await broker.send("t", { messages: Array.from({ length: n }, () => ({ body: i })) });
      clock.advance(1000);
    }
    const offsetOfSend = (i: number) => (i <= 50 ? i : 50 + (i - 50) * 3);
    for (const i of [0, 1, 49, 50, 51, 137, 199])
      expect(await broker.offsetsAt("t", start + i * 1000), `send ${i}`).toEqual({
        "0": offsetOfSend(i),
      });
    // Between two sends: the later one.
    expect(await broker.offsetsAt("t", start + 20_500)).toEqual({ "0": 21 });
    // Before everything: the oldest; after everything: the head.
    expect(await broker.offsetsAt("t", 0)).toEqual({ "0": 0 });
    const head = offsetOfSend(200);
    expect(await broker.offsetsAt("t", clock.now())).toEqual({ "0": head });
  });

  it("answers every queue of the topic, an empty one with its head, and refuses a time that is not an integer", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const broker = await Broker.open({ store: await openMemoryStore(), clock, autoTick: false });
    await broker.createTopic("t", { queueCount: 3 });
    const [stored] = await broker.send("t", {
      messages: [
        { body: 1, key: "a" },
        { body: 2, key: "a" },
      ],
    });
    const q = String(stored!.queueId);
    const empty = { "0": 0, "1": 0, "2": 0 };
    expect(await broker.offsetsAt("t", clock.now())).toEqual({ ...empty, [q]: 0 });
    clock.advance(1);
    expect(await broker.offsetsAt("t", clock.now())).toEqual({ ...empty, [q]: 2 });
    await expect(broker.offsetsAt("t", -1)).rejects.toMatchObject({ code: "invalid_request" });
    await expect(broker.offsetsAt("t", 1.5)).rejects.toMatchObject({ code: "invalid_request" });
  });
});
