import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import type { LeasedMessage, Message } from "../model.js";
import { openMemoryStore } from "../store/memory-store.js";
import { messageToWire } from "../wire.js";
import { resolveTopicConfig } from "./config.js";
import { toMessage, toWireJson } from "./message-view.js";
import { QueueEngine } from "./queue-engine.js";
import type { StoredMessage } from "./records.js";
import { normalizeAppend } from "./validate.js";

const config = resolveTopicConfig({ queueCount: 1 });
const NOW = 1_000_000;

const wire = (lines: string[]) => lines.map((l) => JSON.parse(l) as unknown);
const asWire = (messages: unknown[]) =>
  messages.map((m) => JSON.parse(JSON.stringify(messageToWire(m as Message))) as unknown);

async function openEngine(clock: ManualClock): Promise<QueueEngine> {
  return QueueEngine.open(await openMemoryStore(), { topic: "t", queueId: 0, config, clock });
}

/** JSON, bytes, an expiring, a delayed and a tagged message, appended at NOW. */
async function appendMixed(engine: QueueEngine): Promise<void> {
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
}

/** An engine holding appendMixed's messages, its clock 10 ms past their append. */
async function openMixed(): Promise<{ engine: QueueEngine; clock: ManualClock }> {
  const clock = new ManualClock(NOW);
  const engine = await openEngine(clock);
  await appendMixed(engine);
  clock.advance(10);
  return { engine, clock };
}

describe("readWire", () => {
  it("answers read's messages as messageToWire's JSON, bodies spliced as stored", async () => {
    const { engine, clock } = await openMixed();
    for (const tags of [undefined, ["a"], ["b"]]) {
      const { messages, ...readCursor } = await engine.read(0, 10, tags);
      const { lines, ...cursor } = await engine.readWire(0, 10, tags);
      expect(wire(lines)).toEqual(asWire(messages));
      expect(cursor).toEqual(readCursor);
    }
    // The expired message is left out, as read leaves it out; the delayed one is not in the log yet.
    expect((await engine.readWire(0, 10)).lines).toHaveLength(3);
    await expect(engine.readWire(99, 10)).rejects.toMatchObject({ code: "offset_out_of_range" });
    await expect(engine.readWire(0, 1001)).rejects.toMatchObject({ code: "invalid_request" });
    // Once due, the delayed message is in the log with its deliverAt and the msgId it was given.
    clock.advance(60_000);
    await engine.tick();
    const { messages } = await engine.read(0, 10);
    expect(messages.at(-1)).toMatchObject({ body: "later", deliverAt: NOW + 60_000 });
    expect(wire((await engine.readWire(0, 10)).lines)).toEqual(asWire(messages));
  });

  it("long-polls as read does: an append wakes it", async () => {
    const engine = await openEngine(new ManualClock(NOW));
    const parked = engine.readWire(0, 10, undefined, { waitMs: 60_000 });
    await engine.append(normalizeAppend({ messages: [{ body: "woke" }] }, config, NOW));
    const { lines, nextOffset } = await parked;
    expect(wire(lines)).toMatchObject([{ body: "woke", offset: 0 }]);
    expect(nextOffset).toBe(1);
  });
});

describe("receiveWire", () => {
  it("leases as receive does, each message as messageToWire's JSON", async () => {
    const { engine } = await openMixed();
    const params = { max: 10, visibilityMs: 1_000 };
    // Two groups over one log: the same messages, each group's own leases.
    const leased = await engine.receive("g", params);
    const wired = wire(await engine.receiveWire("h", params)) as LeasedMessage[];
    const withoutReceipt = ({ receipt: _, ...m }: LeasedMessage) => m;
    expect(wired.map(withoutReceipt)).toEqual(
      (asWire(leased) as LeasedMessage[]).map(withoutReceipt),
    );
    expect(wired.map((m) => m.offset)).toEqual([0, 1, 3]);
    // The wire receipts are real leases: acking them settles those messages, once.
    await engine.ack(
      "h",
      wired.map((m) => m.receipt),
    );
    expect(engine.snapshot().groups.h?.inFlight).toBe(0);
    expect(engine.snapshot().groups.g?.inFlight).toBe(3);
    await expect(engine.ack("h", [wired[0]!.receipt])).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("toWireJson", () => {
  it("writes a record from before bodies were stored as text as it writes one after", () => {
    const stored: StoredMessage[] = [
      { json: '{"a":[1,2]}', producedAt: NOW, size: 11, key: "k" },
      { body: { a: [1, 2] }, producedAt: NOW, size: 11, key: "k" },
      { body: "AAE=", bytes: true, producedAt: NOW, size: 2 },
    ];
    const at = { topic: "t", queueId: 0, epoch: "e", offset: 7, reconsumeTimes: 2 };
    const lease = { receipt: "e-0-x-7-1", deliveryCount: 3 };
    for (const msg of stored) {
      expect(JSON.parse(toWireJson(at, msg))).toEqual(
        JSON.parse(JSON.stringify(messageToWire(toMessage(at, msg)))),
      );
      expect(JSON.parse(toWireJson(at, msg, lease))).toEqual(
        JSON.parse(JSON.stringify(messageToWire({ ...toMessage(at, msg), ...lease }))),
      );
    }
  });
});
