import { ManualClock, normalizeAppend, QueueEngine, resolveTopicConfig } from "@edgeq/core/engine";
import { openMemoryStore } from "@edgeq/core/store";
import { describe, expect, it } from "vitest";
import { fitRead, MAX_READ_BYTES, readFitting } from "../src/streams/stream-content.js";

const config = resolveTopicConfig({
  queueCount: 1,
  maxMessageBytes: 1024 * 1024,
  maxBatchBytes: 1024 * 1024,
});

/** A queue holding one string-body message per size, each appended alone (as a stream's appends are). */
async function queueOf(sizes: number[]): Promise<QueueEngine> {
  const clock = new ManualClock(1_000);
  const engine = await QueueEngine.open(await openMemoryStore(), {
    topic: "s",
    queueId: 0,
    config,
    clock,
  });
  for (const [i, size] of sizes.entries())
    await engine.append(
      normalizeAppend({ messages: [{ body: String(i % 10).repeat(size) }] }, config, 1_000),
    );
  return engine;
}

/** `readFitting` over the engine, counting how many messages its reads asked for. */
function counted(engine: QueueEngine) {
  const asked = { messages: 0 };
  const read = async (from: number, limit: number) => {
    const page = await engine.read(from, limit);
    asked.messages += page.messages.length;
    return page;
  };
  return { read, asked };
}

describe("readFitting", () => {
  it("keeps what one read of them all keeps, whatever the sizes and the start", async () => {
    const sizes = Array.from({ length: 60 }, (_, i) => [10, 300_000, 900_000, 1_000][i % 4]!);
    const engine = await queueOf(sizes);
    for (const from of [0, 1, 7, 30, 59])
      for (const budget of [1, 5_000, 1_000_000, MAX_READ_BYTES])
        for (const max of [1, 3, 1000]) {
          const all = fitRead((await engine.read(from, max)).messages, budget);
          const { read } = counted(engine);
          const got = await readFitting(read, from, max, budget);
          expect(got.map((m) => m.offset)).toEqual(all.map((m) => m.offset));
        }
  });

  it("reads about what it keeps when appends are large, not every append after `from`", async () => {
    const engine = await queueOf(Array.from({ length: 40 }, () => 500_000));
    const { read, asked } = counted(engine);
    const got = await readFitting(read, 0, 1000);
    // 4 MiB holds 8 appends of 500 kB; one more is read to see the budget is full.
    expect(got).toHaveLength(8);
    expect(asked.messages).toBeLessThanOrEqual(9);
  });

  it("takes small appends in few reads", async () => {
    const engine = await queueOf(Array.from({ length: 3000 }, () => 100));
    const calls: number[] = [];
    const got = await readFitting(
      async (from, limit) => {
        calls.push(limit);
        return engine.read(from, limit);
      },
      0,
      1000,
    );
    expect(got).toHaveLength(1000);
    expect(calls).toHaveLength(2);
  });
});
