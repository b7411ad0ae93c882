import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { openMemoryStore } from "../store/memory-store.js";
import { messageToWire } from "../wire.js";
import { resolveTopicConfig } from "./config.js";
import { toMessage, toWireJson } from "./message-view.js";
import { QueueEngine } from "./queue-engine.js";
import type { StoredMessage } from "./records.js";
import { normalizeAppend } from "./validate.js";

const config = resolveTopicConfig({ queueCount: 1 });
const NOW = 1_000_000;

const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);

describe("readNdjson", () => {
  it("answers read's messages as messageToWire's JSON, bodies spliced as stored", async () => {
    const clock = new ManualClock(NOW);
    const engine = await QueueEngine.open(await openMemoryStore(), {
      topic: "t",
      queueId: 0,
      config,
      clock,
    });
    const batch = normalizeAppend(
      {
        producerId: "p",
        messages: [
          { seq: 1, body: { nested: [1, "two", { "line\nbreak": null }] }, key: "k", tags: ["a"] },
          { seq: 2, body: new Uint8Array([0, 1, 254, 255]), headers: { h: "v" } },
          { seq: 3, body: "gone soon", expiresAt: NOW + 5 },
          { seq: 4, body: "later", delayMs: 60_000 },
          { seq: 5, body: 0, tags: ["b"] },
        ],
      },
      config,
      NOW,
    );
    await engine.append(batch);
    clock.advance(10);
    for (const tags of [undefined, ["a"], ["b"]]) {
      const read = await engine.read(0, 10, tags);
      const { text, count, ...cursor } = await engine.readNdjson(0, 10, tags);
      expect(lines(text)).toEqual(
        read.messages.map((m) => JSON.parse(JSON.stringify(messageToWire(m)))),
      );
      expect(count).toBe(read.messages.length);
      expect(cursor).toEqual({
        nextOffset: read.nextOffset,
        headOffset: read.headOffset,
        minOffset: read.minOffset,
      });
    }
    // The expired message is left out, as read leaves it out; the delayed one is not in the log yet.
    expect((await engine.readNdjson(0, 10)).count).toBe(3);
    await expect(engine.readNdjson(99, 10)).rejects.toMatchObject({ code: "offset_out_of_range" });
    await expect(engine.readNdjson(0, 1001)).rejects.toMatchObject({ code: "invalid_request" });
  });

  it("writes a record from before bodies were stored as text as it writes one after", () => {
    const stored: StoredMessage[] = [
      { json: '{"a":[1,2]}', producedAt: NOW, size: 11, key: "k" },
      { body: { a: [1, 2] }, producedAt: NOW, size: 11, key: "k" },
      { body: "AAE=", bytes: true, producedAt: NOW, size: 2 },
    ];
    for (const msg of stored)
      expect(JSON.parse(toWireJson("t", 0, "e", 7, msg, 2))).toEqual(
        JSON.parse(JSON.stringify(messageToWire(toMessage("t", 0, "e", 7, msg, 2)))),
      );
  });
});
