import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { openMemoryStore } from "../store/memory-store.js";
import { appendFromText, appendToText } from "./append-text.js";
import { resolveTopicConfig } from "./config.js";
import { QueueEngine } from "./queue-engine.js";
import { normalizeAppend } from "./validate.js";

const config = resolveTopicConfig({ queueCount: 1 });
const NOW = 1_000_000;

describe("appendToText", () => {
  it("carries every field of a validated batch, JSON bodies as the texts validation wrote", () => {
    const batch = normalizeAppend(
      {
        producerId: "p-1",
        producerEpoch: 3,
        messages: [
          { seq: 1, body: { nested: [1, "two", { three: null }], "é✓": true } },
          { seq: 2, body: "plain", key: "k", tags: ["a", "b"], headers: { h: "v", "": "" } },
          { seq: 3, body: new Uint8Array([0, 1, 254, 255]), delayMs: 5_000, expiresAt: NOW + 9 },
          { seq: 4, body: 0 },
          { seq: 5, body: [], key: "😀" },
          { seq: 6, body: { "line\nbreak": "a\r\nb\u2028c\u2029" }, headers: { n: "x\ny" } },
        ],
      },
      config,
      NOW,
    );
    const scoped = { ...batch, scope: { principal: "tenant/1", inheritsUnscoped: true } };
    const text = appendToText(scoped);
    expect(appendFromText(text)).toEqual(scoped);
    expect(JSON.parse(batch.messages[0]!.json!)).toEqual({
      nested: [1, "two", { three: null }],
      "é✓": true,
    });
    expect(batch.messages[2]).toMatchObject({ bytes: true, body: "AAH+/w==" });
    expect(batch.messages[2]!.json).toBeUndefined();
  });

  it("is appended by the engine as the batch itself would be", async () => {
    const open = async () =>
      QueueEngine.open(await openMemoryStore(), {
        topic: "t",
        queueId: 0,
        config,
        clock: new ManualClock(NOW),
        random: () => 0.5,
      });
    const input = {
      producerId: "p",
      messages: [
        { seq: 1, body: { a: 1 }, key: "k" },
        { seq: 2, body: new Uint8Array([7]) },
        { seq: 1, body: { a: 1 } },
      ],
    };
    const [asObjects, asText] = [await open(), await open()];
    const results = await asObjects.append(normalizeAppend(input, config, NOW));
    expect(await asText.append(appendToText(normalizeAppend(input, config, NOW)))).toEqual(results);
    expect((await asText.read(0, 10)).messages).toEqual((await asObjects.read(0, 10)).messages);
    // A retry of the whole batch, as text, is a duplicate of each.
    const again = await asText.append(appendToText(normalizeAppend(input, config, NOW)));
    expect(again.map((r) => r.status)).toEqual(["duplicate", "duplicate", "duplicate"]);
  });
});
