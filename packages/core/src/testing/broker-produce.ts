import { describe, expect, it } from "vitest";
import { pickQueue } from "../util/hash.js";
import { expectCode, openFixture, readAll, TOPIC } from "./broker-fixture.js";
import type { SuiteOptions } from "./harness.js";

const DAY = 86_400_000;

/** Produce side: topics, routing, idempotent producers, group commit, reads, retention, delays, queries. */
export function registerProduceBehaviour(options: SuiteOptions): void {
  const test = (name: string, fn: () => Promise<void>) => {
    const reason = options.skip?.[name];
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn);
    else it(name, fn);
  };

  describe("topics and validation", () => {
    test("unknown topics, bad names and bad requests are refused and change nothing", async () => {
      const f = await openFixture(options);
      await expectCode(f.broker.send("nope", { messages: [{ body: 1 }] }), "not_found");
      await expectCode(f.broker.send("bad name!", { messages: [{ body: 1 }] }), "invalid_request");
      await expectCode(f.broker.send(TOPIC, { messages: [] }), "invalid_request");
      await expectCode(f.broker.send(TOPIC, { messages: [{}] }), "invalid_request");
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: 1, seq: 1 }] }),
        "invalid_request",
      );
      await expectCode(
        f.broker.send(TOPIC, { producerId: "p", messages: [{ body: 1, seq: -1 }] }),
        "invalid_request",
      );
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: Number.NaN }] }),
        "invalid_request",
      );
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: 1, tags: "x" }] }),
        "invalid_request",
      );
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: 1, headers: { a: 1 } }] }),
        "invalid_request",
      );
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: 1, delayMs: 5, deliverAt: 5 }] }),
        "invalid_request",
      );
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: "a", encoding: "base64" }] }),
        "invalid_request",
      );
      // One bad message fails the whole batch: the good one before it is not stored either.
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: "ok" }, { body: undefined }] }),
        "invalid_request",
      );
      expect((await f.broker.stats(TOPIC)).queues.map((q) => q.headOffset)).toEqual([0, 0]);
      await expectCode(f.broker.createTopic(TOPIC, { queueCount: 3 }), "conflict");
      await expectCode(f.broker.createTopic("t2", { queueCount: 0 }), "invalid_request");
      await f.close();
    });

    test("size limits answer too_large", async () => {
      const f = await openFixture(options, {
        maxMessageBytes: 1024,
        maxBatchMessages: 5,
        maxBatchBytes: 2048,
      });
      await expectCode(
        f.broker.send(TOPIC, { messages: [{ body: "x".repeat(1100) }] }),
        "too_large",
      );
      await expectCode(
        f.broker.send(TOPIC, { messages: Array.from({ length: 6 }, () => ({ body: 1 })) }),
        "too_large",
      );
      await expectCode(
        f.broker.send(TOPIC, { messages: [1, 2, 3].map(() => ({ body: "y".repeat(900) })) }),
        "too_large",
      );
      expect((await f.broker.stats(TOPIC)).queues.map((q) => q.headOffset)).toEqual([0, 0]);
      await f.close();
    });
  });

  describe("routing and order", () => {
    test("a key always picks the same queue and keeps its order", async () => {
      const f = await openFixture(options, { queueCount: 4 });
      for (let i = 0; i < 20; i++)
        await f.broker.send(TOPIC, { messages: [{ body: i, key: `k${i % 3}` }] });
      for (const key of ["k0", "k1", "k2"]) {
        const q = pickQueue(4, key, undefined, () => 0);
        const bodies = (await readAll(f.broker, q)).filter((m) => m.key === key).map((m) => m.body);
        expect(bodies).toEqual(
          Array.from({ length: 20 }, (_, i) => i).filter((i) => `k${i % 3}` === key),
        );
      }
      await f.close();
    });

    test("unkeyed messages of one producer stay on one queue; anonymous ones spread", async () => {
      const f = await openFixture(options, { queueCount: 4 });
      const results = [];
      for (let i = 0; i < 8; i++)
        results.push(
          ...(await f.broker.send(TOPIC, { producerId: "p-1", messages: [{ seq: i, body: i }] })),
        );
      expect(new Set(results.map((r) => r.queueId)).size).toBe(1);
      const anon = [];
      for (let i = 0; i < 8; i++)
        anon.push(...(await f.broker.send(TOPIC, { messages: [{ body: i }] })));
      expect(new Set(anon.map((r) => r.queueId)).size).toBeGreaterThan(1);
      await f.close();
    });
  });

  describe("idempotent producers", () => {
    test("each (producerId, seq) is stored once; a retry answers duplicate with the original", async () => {
      const f = await openFixture(options);
      const first = await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [
          { seq: 1, body: "a" },
          { seq: 2, body: "b" },
        ],
      });
      expect(first.map((r) => r.status)).toEqual(["stored", "stored"]);
      const retry = await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [
          { seq: 1, body: "a" },
          { seq: 2, body: "b" },
          { seq: 3, body: "c" },
          { seq: 3, body: "c" },
        ],
      });
      expect(retry.map((r) => r.status)).toEqual(["duplicate", "duplicate", "stored", "duplicate"]);
      expect(retry[0]).toMatchObject({
        msgId: first[0]!.msgId,
        queueId: first[0]!.queueId,
        offset: first[0]!.offset,
      });
      expect(retry[3]!.offset).toBe(retry[2]!.offset);
      const q = first[0]!.queueId;
      expect((await readAll(f.broker, q)).map((m) => m.body)).toEqual(["a", "b", "c"]);
      await f.close();
    });

    test("a retry days later is still recognised, and so is one after a restart", async () => {
      const f = await openFixture(options);
      const [orig] = await f.broker.send(TOPIC, {
        producerId: "slow",
        messages: [{ seq: 7, body: "x" }],
      });
      f.clock.advance(5 * DAY);
      await f.broker.tick();
      const [late] = await f.broker.send(TOPIC, {
        producerId: "slow",
        messages: [{ seq: 7, body: "x" }],
      });
      expect(late).toMatchObject({ status: "duplicate", msgId: orig!.msgId, offset: orig!.offset });
      await f.restart();
      const [after] = await f.broker.send(TOPIC, {
        producerId: "slow",
        messages: [{ seq: 7, body: "x" }],
      });
      expect(after).toMatchObject({
        status: "duplicate",
        msgId: orig!.msgId,
        offset: orig!.offset,
      });
      await f.close();
    });

    test("producer state is bounded: old runs age into the floor; out-of-order seqs above it are new", async () => {
      const f = await openFixture(options, { producerWindow: 4, queueCount: 1 });
      for (const seq of [10, 20, 30, 40, 50, 60])
        await f.broker.send(TOPIC, { producerId: "p", messages: [{ seq, body: seq }] });
      // 10 and 20 aged out: still duplicates (the floor), but without a location.
      const [aged] = await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [{ seq: 10, body: 10 }],
      });
      expect(aged).toMatchObject({ status: "duplicate" });
      expect(aged!.offset).toBeUndefined();
      // 55 was never sent: above the floor, so it is stored.
      const [late] = await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [{ seq: 55, body: 55 }],
      });
      expect(late!.status).toBe("stored");
      expect((await readAll(f.broker, 0)).length).toBe(7);
      await f.close();
    });

    test("a producer silent past producerTtlMs is forgotten", async () => {
      const f = await openFixture(options, { producerTtlMs: DAY, queueCount: 1 });
      await f.broker.send(TOPIC, { producerId: "p", messages: [{ seq: 1, body: 1 }] });
      expect(f.broker.nextWakeUp()).toBeLessThanOrEqual(f.clock.now() + DAY);
      f.clock.advance(DAY + 1);
      await f.broker.tick();
      const [again] = await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [{ seq: 1, body: 1 }],
      });
      expect(again!.status).toBe("stored");
      await f.close();
    });
  });

  describe("group commit and failed writes", () => {
    test("concurrent appends share store writes", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      const before = f.store.writes;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => f.broker.send(TOPIC, { messages: [{ body: i }] })),
      );
      expect(f.store.writes - before).toBeLessThan(10);
      expect(results.map((r) => r[0]!.offset).sort((a, b) => a! - b!)).toEqual(
        Array.from({ length: 50 }, (_, i) => i),
      );
      expect((await readAll(f.broker, 0)).length).toBe(50);
      await f.close();
    });

    test("a failed store write rejects the send, shows nothing, and the retry stores once", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, { producerId: "p", messages: [{ seq: 1, body: "before" }] });
      f.store.failNextWrites(1);
      await expectCode(
        f.broker.send(TOPIC, { producerId: "p", messages: [{ seq: 2, body: "lost?" }] }),
        "unavailable",
      );
      expect((await f.broker.stats(TOPIC)).queues[0]!.headOffset).toBe(1);
      const [retry] = await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [{ seq: 2, body: "lost?" }],
      });
      expect(retry).toMatchObject({ status: "stored", offset: 1 });
      expect((await readAll(f.broker, 0)).map((m) => m.body)).toEqual(["before", "lost?"]);
      await f.close();
    });
  });

  describe("read by offset", () => {
    test("reads pages with a limit, filters by tag, and reports offsets", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, {
        messages: Array.from({ length: 10 }, (_, i) => ({
          body: i,
          tags: [i % 2 ? "odd" : "even"],
        })),
      });
      const page = await f.broker.read(TOPIC, 0, { from: 2, limit: 3 });
      expect(page.messages.map((m) => m.offset)).toEqual([2, 3, 4]);
      expect(page).toMatchObject({ nextOffset: 5, headOffset: 10, minOffset: 0 });
      const odd = await f.broker.read(TOPIC, 0, { from: 0, limit: 100, tags: ["odd"] });
      expect(odd.messages.map((m) => m.body)).toEqual([1, 3, 5, 7, 9]);
      expect(odd.nextOffset).toBe(10);
      expect((await f.broker.read(TOPIC, 0, { from: 10 })).messages).toEqual([]);
      const above = await expectCode(f.broker.read(TOPIC, 0, { from: 11 }), "offset_out_of_range");
      expect(above.details).toMatchObject({ minOffset: 0, maxOffset: 10 });
      await expectCode(f.broker.read(TOPIC, 5, { from: 0 }), "not_found");
      await expectCode(f.broker.read(TOPIC, 0, { from: -1 }), "invalid_request");
      await f.close();
    });

    test("bytes bodies round-trip", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      await f.broker.send(TOPIC, {
        messages: [{ body: bytes }, { body: "AAEC", encoding: "base64" }],
      });
      const [a, b] = (await f.broker.read(TOPIC, 0, { from: 0 })).messages;
      expect(a!.body).toEqual(bytes);
      expect(b!.body).toEqual(new Uint8Array([0, 1, 2]));
      await f.close();
    });

    test("a long-poll read resolves when a message arrives", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      const waiting = f.broker.read(TOPIC, 0, { from: 0, waitMs: 10_000 });
      await f.broker.send(TOPIC, { messages: [{ body: "late" }] });
      expect((await waiting).messages.map((m) => m.body)).toEqual(["late"]);
      await f.close();
    });
  });

  describe("retention", () => {
    test("by count: old segments go, minOffset moves, reads below it are out of range", async () => {
      const f = await openFixture(options, { queueCount: 1, maxMessages: 5 });
      for (let i = 0; i < 12; i++)
        await f.broker.send(TOPIC, { messages: [{ body: i, key: `k${i}` }] });
      expect(f.broker.nextWakeUp()).toBe(f.clock.now());
      await f.broker.tick();
      const { minOffset } = (await f.broker.stats(TOPIC)).queues[0]!;
      expect(minOffset).toBe(7);
      const err = await expectCode(f.broker.read(TOPIC, 0, { from: 0 }), "offset_out_of_range");
      expect(err.details).toMatchObject({ minOffset: 7, maxOffset: 12 });
      expect((await readAll(f.broker, 0)).map((m) => m.body)).toEqual([7, 8, 9, 10, 11]);
      expect(await f.broker.queryByKey(TOPIC, "k1")).toEqual([]);
      await f.close();
    });

    test("by age and by bytes", async () => {
      const f = await openFixture(options, { queueCount: 1, retentionMs: DAY, maxBytes: 100 });
      await f.broker.send(TOPIC, { messages: [{ body: "a".repeat(40) }] });
      f.clock.advance(DAY / 2);
      await f.broker.send(TOPIC, { messages: [{ body: "b".repeat(40) }] });
      await f.broker.send(TOPIC, { messages: [{ body: "c".repeat(40) }] });
      await f.broker.tick();
      expect((await f.broker.stats(TOPIC)).queues[0]!.minOffset).toBe(1);
      expect((await f.broker.stats(TOPIC)).queues[0]!.bytes).toBeLessThanOrEqual(100);
      f.clock.advance(DAY);
      await f.broker.tick();
      // Exactly retentionMs old is still kept.
      expect((await f.broker.stats(TOPIC)).queues[0]!.minOffset).toBe(1);
      f.clock.advance(1);
      await f.broker.tick();
      expect((await f.broker.stats(TOPIC)).queues[0]).toMatchObject({
        minOffset: 3,
        headOffset: 3,
      });
      await f.close();
    });

    test("retention keeps messages a group has leased or waiting for retry", async () => {
      const f = await openFixture(options, { queueCount: 1, maxMessages: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "held" }] });
      const [leased] = await f.broker.receive(TOPIC, "g", { max: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "x" }] });
      await f.broker.send(TOPIC, { messages: [{ body: "y" }] });
      await f.broker.tick();
      expect((await f.broker.stats(TOPIC)).queues[0]!.minOffset).toBe(0);
      await f.broker.nack(TOPIC, "g", [leased!.receipt], 0);
      const [again] = await f.broker.receive(TOPIC, "g", { max: 1 });
      expect(again).toMatchObject({ body: "held", reconsumeTimes: 1 });
      await f.broker.ack(TOPIC, "g", [again!.receipt]);
      await f.close();
    });
  });

  describe("delayed messages", () => {
    test("invisible until due, then appended in due order and delivered", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      const [later] = await f.broker.send(TOPIC, {
        messages: [{ body: "later", delayMs: 60_000 }],
      });
      const [sooner] = await f.broker.send(TOPIC, {
        messages: [{ body: "sooner", deliverAt: f.clock.now() + 1000 }],
      });
      await f.broker.send(TOPIC, { messages: [{ body: "now" }] });
      expect(later).toMatchObject({ status: "stored", deliverAt: f.clock.now() + 60_000 });
      expect(later!.offset).toBeUndefined();
      expect((await readAll(f.broker, 0)).map((m) => m.body)).toEqual(["now"]);
      expect((await f.broker.stats(TOPIC)).queues[0]!.scheduled).toBe(2);
      expect(await f.broker.getMessage(TOPIC, later!.msgId!)).toMatchObject({
        body: "later",
        offset: -1,
      });
      expect(f.broker.nextWakeUp()).toBe(f.clock.now() + 1000);
      f.clock.advance(1000);
      await f.broker.tick();
      expect((await readAll(f.broker, 0)).map((m) => m.body)).toEqual(["now", "sooner"]);
      await f.restart();
      f.clock.advance(60_000);
      await f.broker.tick();
      const all = await readAll(f.broker, 0);
      expect(all.map((m) => m.body)).toEqual(["now", "sooner", "later"]);
      expect(all[2]!.msgId).toBe(later!.msgId);
      expect(await f.broker.getMessage(TOPIC, sooner!.msgId!)).toMatchObject({
        body: "sooner",
        offset: 1,
      });
      await f.close();
    });
  });

  describe("query", () => {
    test("by msgId and by key", async () => {
      const f = await openFixture(options);
      const results = await f.broker.send(TOPIC, {
        messages: [
          { body: 1, key: "cart-9" },
          { body: 2, key: "cart-1" },
          { body: 3, key: "cart-9" },
        ],
      });
      const msg = await f.broker.getMessage(TOPIC, results[1]!.msgId!);
      expect(msg).toMatchObject({
        body: 2,
        key: "cart-1",
        offset: results[1]!.offset,
        queueId: results[1]!.queueId,
      });
      expect((await f.broker.queryByKey(TOPIC, "cart-9")).map((m) => m.body)).toEqual([1, 3]);
      expect((await f.broker.queryByKey(TOPIC, "cart-9", { limit: 1 })).map((m) => m.body)).toEqual(
        [1],
      );
      await expectCode(f.broker.getMessage(TOPIC, "garbage"), "not_found");
      const other = results[0]!.msgId!.replace(/-o\w+$/, "-o999");
      await expectCode(f.broker.getMessage(TOPIC, other), "not_found");
      await f.close();
    });
  });
}
