import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE } from "../engine/config.js";
import { expectCode, openFixture, TOPIC } from "./broker-fixture.js";
import type { SuiteOptions } from "./harness.js";

/** Consume side: group offsets, leases, retries, dead letters, stats, timers, restarts. */
export function registerConsumeBehaviour(options: SuiteOptions): void {
  const test = (name: string, fn: () => Promise<void>) => {
    const reason = options.skip?.[name];
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn);
    else it(name, fn);
  };

  describe("consumer group offsets", () => {
    test("commit and fetch; never backwards unless reset", async () => {
      const f = await openFixture(options);
      await f.broker.send(TOPIC, {
        messages: Array.from({ length: 10 }, (_, i) => ({ body: i, key: `k${i}` })),
      });
      const heads = (await f.broker.stats(TOPIC)).queues.map((q) => q.headOffset);
      expect(await f.broker.getOffsets(TOPIC, "g")).toEqual({});
      await f.broker.commitOffsets(TOPIC, "g", { 0: 2, 1: 1 });
      await f.broker.commitOffsets(TOPIC, "g", { 0: 1 });
      expect(await f.broker.getOffsets(TOPIC, "g")).toEqual({ 0: 2, 1: 1 });
      await f.broker.commitOffsets(TOPIC, "g", { 0: 0 }, true);
      expect((await f.broker.getOffsets(TOPIC, "g"))["0"]).toBe(0);
      await expectCode(
        f.broker.commitOffsets(TOPIC, "g", { 0: heads[0]! + 1 }),
        "offset_out_of_range",
      );
      await expectCode(f.broker.commitOffsets(TOPIC, "g", { 7: 1 }), "not_found");
      await expectCode(f.broker.commitOffsets(TOPIC, "g", { 0: -1 }), "invalid_request");
      await expectCode(f.broker.commitOffsets(TOPIC, "g", {}), "invalid_request");
      await expectCode(f.broker.commitOffsets(TOPIC, "bad group", { 0: 1 }), "invalid_request");
      expect(await f.broker.getOffsets(TOPIC, "g")).toEqual({ 0: 0, 1: 1 });
      await f.restart();
      expect(await f.broker.getOffsets(TOPIC, "g")).toEqual({ 0: 0, 1: 1 });
      await f.close();
    });
  });

  describe("groups named like object members", () => {
    test("are groups like any other: stats, offsets and deletion touch only their own", async () => {
      const f = await openFixture(options, { queueCount: 2 });
      await f.broker.send(TOPIC, {
        messages: Array.from({ length: 6 }, (_, i) => ({ body: i, key: `k${i}` })),
      });
      const names = ["__proto__", "constructor", "toString", "g"];
      for (const name of names)
        await f.broker.receive(TOPIC, name, { max: 2, visibilityMs: 60_000 });
      const stats = await f.broker.stats(TOPIC);
      expect(Object.keys(stats.groups).sort()).toEqual([...names].sort());
      for (const name of names) expect(Object.hasOwn(stats.groups, name)).toBe(true);
      expect(stats.groups.constructor).toMatchObject({ inFlight: 2, lag: 6 });
      expect(Object.getPrototypeOf(stats.groups)).toBe(Object.prototype);
      // A queue id is a number: anything else is malformed, not an unknown queue.
      await expectCode(f.broker.commitOffsets(TOPIC, "g", { constructor: 1 }), "invalid_request");
      await expectCode(f.broker.commitOffsets(TOPIC, "g", { "0x1": 1 }), "invalid_request");
      await f.broker.commitOffsets(TOPIC, "toString", { 0: 1 });

      await f.broker.deleteGroup(TOPIC, "__proto__");
      await f.restart();
      const after = await f.broker.stats(TOPIC);
      expect(Object.keys(after.groups).sort()).toEqual(["constructor", "g", "toString"]);
      expect(after.groups.g).toMatchObject({ inFlight: 2 });
      expect((await f.broker.getOffsets(TOPIC, "toString"))["0"]).toBeGreaterThanOrEqual(1);
      await expectCode(f.broker.deleteGroup(TOPIC, "__proto__"), "not_found");
      await expectCode(f.broker.deleteGroup(TOPIC, "never-used"), "not_found");
      await expectCode(f.broker.deleteGroup(TOPIC, ".."), "invalid_request");
      // A deleted group starts afresh: everything retained is delivered to it again.
      const again = await f.broker.receive(TOPIC, "__proto__", { max: 10 });
      expect(again.map((m) => m.body).sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(again.every((m) => m.deliveryCount === 1)).toBe(true);
      await f.close();
    });

    test("deleting a group drops its leases, retries and dead letters, and no other group's", async () => {
      const f = await openFixture(options, { queueCount: 1, maxReconsumeTimes: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "a" }, { body: "b" }, { body: "c" }] });
      // Per group: a dead letter (a, failed twice), a retry (b, later), a lease in flight (c).
      for (const group of ["doomed", "kept"]) {
        const [a, b] = await f.broker.receive(TOPIC, group, { max: 3, visibilityMs: 60_000 });
        await f.broker.nack(TOPIC, group, [a!.receipt], 0);
        await f.broker.nack(TOPIC, group, [b!.receipt], 60_000);
        const [again] = await f.broker.receive(TOPIC, group, { max: 1, retriesOnly: true });
        await f.broker.nack(TOPIC, group, [again!.receipt], 0);
      }
      const before = await f.broker.stats(TOPIC);
      expect(before.groups.kept).toMatchObject({ deadLetters: 1, retrying: 1, inFlight: 1 });
      await f.broker.deleteGroup(TOPIC, "doomed");
      await f.restart();
      const after = await f.broker.stats(TOPIC);
      expect(Object.keys(after.groups)).toEqual(["kept"]);
      expect(after.groups.kept).toEqual(before.groups.kept);
      expect(await f.broker.listDeadLetters(TOPIC, "doomed")).toEqual([]);
      expect(await f.broker.listDeadLetters(TOPIC, "kept")).toHaveLength(1);
      await f.close();
    });
  });

  describe("ordered and flow-controlled groups", () => {
    const bodies = (ms: Array<{ body: unknown }>) => ms.map((m) => m.body);

    test("ordered: a key's next message waits while an earlier one is leased, retrying or redelivered", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      const sent = ["a1", "a2", "b1", "a3", "b2", "c1", "u1"];
      await f.broker.send(TOPIC, {
        messages: sent.map((body) => ({ body, ...(body[0] === "u" ? {} : { key: body[0] }) })),
      });
      await f.broker.setGroupSettings(TOPIC, "g", { ordered: true });
      const first = await f.broker.receive(TOPIC, "g", { max: 10, visibilityMs: 1000 });
      expect(bodies(first)).toEqual(["a1", "b1", "c1", "u1"]);
      expect((await f.broker.stats(TOPIC)).groups.g).toMatchObject({ inFlight: 4, waiting: 3 });
      expect(await f.broker.receive(TOPIC, "g", { max: 10 })).toEqual([]);
      const [a1, b1] = first;
      await f.broker.ack(TOPIC, "g", [a1!.receipt]);
      // A retry keeps its key blocked: b1 comes back before b2.
      await f.broker.nack(TOPIC, "g", [b1!.receipt], 0);
      await f.restart();
      const second = await f.broker.receive(TOPIC, "g", { max: 10, visibilityMs: 1000 });
      expect(bodies(second).sort()).toEqual(["a2", "b1"]);
      expect(second.find((m) => m.body === "b1")?.deliveryCount).toBe(2);
      // An expired lease is redelivered first, still ahead of the rest of its key.
      f.clock.advance(1001);
      const third = await f.broker.receive(TOPIC, "g", { max: 10, visibilityMs: 1000 });
      expect(bodies(third).sort()).toEqual(["a2", "b1", "c1", "u1"]);
      for (const m of third) await f.broker.ack(TOPIC, "g", [m.receipt]);
      expect(bodies(await f.broker.receive(TOPIC, "g", { max: 10 })).sort()).toEqual(["a3", "b2"]);
      await f.close();
    });

    test("ordered: a dead letter releases its key", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, {
        messages: [
          { body: 1, key: "k" },
          { body: 2, key: "k" },
        ],
      });
      await f.broker.setGroupSettings(TOPIC, "g", { ordered: true, maxRetries: 0 });
      const [one] = await f.broker.receive(TOPIC, "g", { max: 5 });
      await f.broker.nack(TOPIC, "g", [one!.receipt], 0);
      const next = await f.broker.receive(TOPIC, "g", { max: 5 });
      expect(bodies(next)).toEqual([2]);
      expect((await f.broker.listDeadLetters(TOPIC, "g")).map((d) => d.message.body)).toEqual([1]);
      await f.close();
    });

    test("flow: parallelism and rate per key, by message key or by a header; other keys go on", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, {
        messages: [
          ...Array.from({ length: 5 }, (_, i) => ({ body: `h${i}`, headers: { tenant: "hot" } })),
          { body: "c0", headers: { tenant: "cold" } },
          { body: "x0" },
        ],
      });
      await f.broker.setGroupSettings(TOPIC, "par", { flow: { header: "tenant", parallelism: 2 } });
      const par = await f.broker.receive(TOPIC, "par", { max: 10, visibilityMs: 60_000 });
      expect(bodies(par)).toEqual(["h0", "h1", "c0", "x0"]);
      await f.broker.ack(TOPIC, "par", [par[0]!.receipt]);
      expect(bodies(await f.broker.receive(TOPIC, "par", { max: 10 }))).toEqual(["h2"]);

      await f.broker.setGroupSettings(TOPIC, "rate", {
        flow: { header: "tenant", ratePerSecond: 2, burst: 1 },
      });
      const take = async () => {
        const got = await f.broker.receive(TOPIC, "rate", { max: 10 });
        if (got.length > 0)
          await f.broker.ack(
            TOPIC,
            "rate",
            got.map((m) => m.receipt),
          );
        return bodies(got);
      };
      expect(await take()).toEqual(["h0", "c0", "x0"]);
      expect(await take()).toEqual([]);
      // The engine's next wake-up is when the hot key's bucket holds a token again.
      expect((await f.broker.nextWakeUp()) ?? Infinity).toBeLessThanOrEqual(f.clock.now() + 500);
      f.clock.advance(499);
      expect(await take()).toEqual([]);
      f.clock.advance(1);
      expect(await take()).toEqual(["h1"]);
      await f.close();
    });

    test("paused: receives get nothing and no lease expires until resumed", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: 1 }, { body: 2 }] });
      const [one] = await f.broker.receive(TOPIC, "g", { max: 1, visibilityMs: 1000 });
      await f.broker.setGroupSettings(TOPIC, "g", { paused: true });
      expect(await f.broker.receive(TOPIC, "g", { max: 5 })).toEqual([]);
      f.clock.advance(5000);
      await f.broker.tick();
      await f.restart();
      expect((await f.broker.stats(TOPIC)).groups.g).toMatchObject({
        inFlight: 0,
        retrying: 1,
        paused: true,
      });
      expect((await f.broker.stats(TOPIC)).groups.g!.queues[0]!.retrying).toBe(1);
      expect(await f.broker.groupSettings(TOPIC, "g")).toEqual({ paused: true });
      await f.broker.setGroupSettings(TOPIC, "g", {});
      const back = await f.broker.receive(TOPIC, "g", { max: 5 });
      // The lease that ran out while paused counts once, when it expires after the resume.
      expect(back.map((m) => [m.body, m.deliveryCount])).toEqual([
        [1, 2],
        [2, 1],
      ]);
      expect(one!.deliveryCount).toBe(1);
      await f.close();
    });

    test("purge: a group's backlog, or every message of the topic; dead letters stay", async () => {
      const f = await openFixture(options, { queueCount: 2, maxReconsumeTimes: 1 });
      await f.broker.send(TOPIC, {
        messages: Array.from({ length: 8 }, (_, i) => ({ body: i, key: `k${i}` })),
      });
      await f.broker.receive(TOPIC, "other", { max: 2 });
      expect(await f.broker.purgeGroup(TOPIC, "g")).toBe(8);
      expect(await f.broker.receive(TOPIC, "g", { max: 10 })).toEqual([]);
      expect((await f.broker.stats(TOPIC)).groups.other).toMatchObject({ inFlight: 2, lag: 8 });
      // A dead letter of "other": delivered, failed, redelivered, failed past maxReconsumeTimes.
      const [leased] = await f.broker.receive(TOPIC, "other", { max: 1 });
      await f.broker.nack(TOPIC, "other", [leased!.receipt], 0);
      const [again] = await f.broker.receive(TOPIC, "other", { max: 1, retriesOnly: true });
      await f.broker.nack(TOPIC, "other", [again!.receipt], 0);
      expect(await f.broker.purge(TOPIC)).toBe(8);
      await f.restart();
      const stats = await f.broker.stats(TOPIC);
      expect(stats.queues.every((q) => q.minOffset === q.headOffset && q.bytes === 0)).toBe(true);
      expect(stats.groups.other).toMatchObject({
        lag: 0,
        inFlight: 0,
        retrying: 0,
        deadLetters: 1,
      });
      expect(await f.broker.listDeadLetters(TOPIC, "other")).toHaveLength(1);
      // Offsets go on from where they were.
      const [after] = await f.broker.send(TOPIC, { messages: [{ body: "new", key: "k0" }] });
      expect(after!.offset).toBe(stats.queues[after!.queueId]!.headOffset);
      expect(bodies(await f.broker.receive(TOPIC, "g", { max: 5 }))).toEqual(["new"]);
      await f.close();
    });

    test("settings are validated whole: a bad one is invalid_request naming its field and changes nothing", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.setGroupSettings(TOPIC, "g", { ordered: true });
      for (const [text, field] of [
        ['{"ordered": "yes"}', "ordered"],
        ['{"flow": {"parallelism": 0}}', "flow.parallelism"],
        ['{"flow": {"ratePerSecond": -1}}', "flow.ratePerSecond"],
        ['{"flow": {"burst": 2}}', "flow.burst"],
        ['{"flow": {"header": "a b"}}', "flow.header"],
        ['{"flow": {"key": "x"}}', "flow.key"],
        ['{"maxRetries": 1.5}', "maxRetries"],
        ['{"retryDelayMs": -1}', "retryDelayMs"],
        ['{"__proto__": {"ordered": false}}', "__proto__"],
        ["[]", "settings"],
      ] as const) {
        const error = await expectCode(
          f.broker.setGroupSettings(TOPIC, "g", JSON.parse(text)),
          "invalid_request",
        );
        expect(error.details).toEqual({ field });
      }
      expect(await f.broker.groupSettings(TOPIC, "g")).toEqual({ ordered: true });
      await f.close();
    });
  });

  describe("lease mode", () => {
    test("receive, ack, and the receipt errors", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "a" }, { body: "b" }, { body: "c" }] });
      const got = await f.broker.receive(TOPIC, "g", { max: 2, visibilityMs: 1000 });
      expect(got.map((m) => [m.body, m.deliveryCount, m.reconsumeTimes])).toEqual([
        ["a", 1, 0],
        ["b", 1, 0],
      ]);
      expect((await f.broker.stats(TOPIC)).groups.g).toMatchObject({ inFlight: 2, lag: 3 });
      await f.broker.ack(TOPIC, "g", [got[0]!.receipt]);
      expect((await f.broker.stats(TOPIC)).groups.g!.committedOffsets).toEqual({ 0: 1 });
      await expectCode(f.broker.ack(TOPIC, "g", [got[0]!.receipt]), "conflict");
      await expectCode(f.broker.ack(TOPIC, "g", ["nonsense"]), "not_found");
      await expectCode(f.broker.ack(TOPIC, "other", [got[1]!.receipt]), "not_found");
      await expectCode(f.broker.ack(TOPIC, "g", []), "invalid_request");
      // All or nothing: a stale receipt beside a good one acks neither.
      await expectCode(f.broker.ack(TOPIC, "g", [got[1]!.receipt, got[0]!.receipt]), "conflict");
      expect((await f.broker.stats(TOPIC)).groups.g!.inFlight).toBe(1);
      await f.broker.ack(TOPIC, "g", [got[1]!.receipt]);
      const [c] = await f.broker.receive(TOPIC, "g", { max: 5 });
      expect(c!.body).toBe("c");
      expect(await f.broker.receive(TOPIC, "g", { max: 5 })).toEqual([]);
      await f.close();
    });

    test("an expired lease delivers the message again and its old receipt is stale", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "x" }] });
      const [first] = await f.broker.receive(TOPIC, "g", { visibilityMs: 5000 });
      expect(await f.broker.receive(TOPIC, "g")).toEqual([]);
      expect(f.broker.nextWakeUp()).toBe(f.clock.now() + 5000);
      f.clock.advance(5000);
      const [second] = await f.broker.receive(TOPIC, "g", { visibilityMs: 5000 });
      expect(second).toMatchObject({ msgId: first!.msgId, deliveryCount: 2, reconsumeTimes: 1 });
      await expectCode(f.broker.ack(TOPIC, "g", [first!.receipt]), "conflict");
      await f.broker.ack(TOPIC, "g", [second!.receipt]);
      await f.close();
    });

    test("extend keeps a lease past its first visibility", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "x" }] });
      const [m] = await f.broker.receive(TOPIC, "g", { visibilityMs: 1000 });
      f.clock.advance(900);
      await f.broker.extend(TOPIC, "g", [m!.receipt], 5000);
      f.clock.advance(2000);
      expect(await f.broker.receive(TOPIC, "g")).toEqual([]);
      await f.broker.ack(TOPIC, "g", [m!.receipt]);
      await expectCode(f.broker.extend(TOPIC, "g", [m!.receipt], 1000), "conflict");
      await expectCode(f.broker.extend(TOPIC, "g", [m!.receipt], 0), "invalid_request");
      await f.close();
    });

    test("nack follows the retry schedule, then the dead-letter queue, which redrives", async () => {
      const f = await openFixture(options, { queueCount: 1, maxReconsumeTimes: 3 });
      await f.broker.send(TOPIC, { messages: [{ body: "poison" }, { body: "fine" }] });
      let [m] = await f.broker.receive(TOPIC, "g", { max: 1 });
      for (let attempt = 1; attempt <= 3; attempt++) {
        await f.broker.nack(TOPIC, "g", [m!.receipt]);
        const delay = DEFAULT_RETRY_SCHEDULE[attempt - 1]!;
        expect((await f.broker.stats(TOPIC)).groups.g!.retrying).toBe(1);
        f.clock.advance(delay - 1);
        expect(await f.broker.receive(TOPIC, "g", { max: 1, retriesOnly: true })).toEqual([]);
        f.clock.advance(1);
        [m] = await f.broker.receive(TOPIC, "g", { max: 1, retriesOnly: true });
        expect(m).toMatchObject({
          body: "poison",
          reconsumeTimes: attempt,
          deliveryCount: attempt + 1,
        });
      }
      await f.broker.nack(TOPIC, "g", [m!.receipt]);
      const dead = await f.broker.listDeadLetters(TOPIC, "g");
      expect(dead.map((d) => [d.message.body, d.message.reconsumeTimes, d.reason])).toEqual([
        ["poison", 3, "max_reconsume_times"],
      ]);
      expect((await f.broker.stats(TOPIC)).groups.g).toMatchObject({ deadLetters: 1, retrying: 0 });
      // The rest of the queue was never blocked by it.
      const [fine] = await f.broker.receive(TOPIC, "g");
      expect(fine!.body).toBe("fine");
      await f.broker.ack(TOPIC, "g", [fine!.receipt]);
      await f.restart();
      expect((await f.broker.listDeadLetters(TOPIC, "g")).length).toBe(1);
      expect(await f.broker.redrive(TOPIC, "g")).toBe(1);
      expect(await f.broker.listDeadLetters(TOPIC, "g")).toEqual([]);
      const [back] = await f.broker.receive(TOPIC, "g");
      expect(back).toMatchObject({ body: "poison", reconsumeTimes: 0, msgId: m!.msgId });
      await f.broker.ack(TOPIC, "g", [back!.receipt]);
      expect((await f.broker.stats(TOPIC)).groups.g).toMatchObject({
        deadLetters: 0,
        inFlight: 0,
        retrying: 0,
        lag: 0,
      });
      await f.close();
    });

    test("a due retry waits for a receive, not for a wake-up: the next wake-up is never in the past", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "again" }] });
      const [m] = await f.broker.receive(TOPIC, "g", { max: 1 });
      await f.broker.nack(TOPIC, "g", [m!.receipt], 1000);
      expect(f.broker.nextWakeUp()).toBe(f.clock.now() + 1000);
      f.clock.advance(1000);
      await f.broker.tick();
      // A host arms its alarm at this time: one in the past would fire again at once, forever.
      expect(f.broker.nextWakeUp()).toBeGreaterThan(f.clock.now());
      const [back] = await f.broker.receive(TOPIC, "g", { max: 1, retriesOnly: true });
      expect(back).toMatchObject({ body: "again", reconsumeTimes: 1 });
      await f.close();
    });

    test("nack with an explicit delay; leases that keep expiring end in the dead-letter queue", async () => {
      const f = await openFixture(options, { queueCount: 1, maxReconsumeTimes: 2 });
      await f.broker.send(TOPIC, { messages: [{ body: "a" }, { body: "crashes-consumers" }] });
      const [a] = await f.broker.receive(TOPIC, "g", { max: 1 });
      await f.broker.nack(TOPIC, "g", [a!.receipt], 50);
      f.clock.advance(50);
      const [a2] = await f.broker.receive(TOPIC, "g", { max: 1, retriesOnly: true });
      expect(a2!.body).toBe("a");
      await f.broker.ack(TOPIC, "g", [a2!.receipt]);
      for (let i = 0; i < 3; i++) {
        const [m] = await f.broker.receive(TOPIC, "g", { max: 1, visibilityMs: 100 });
        expect(m!.body).toBe("crashes-consumers");
        f.clock.advance(100);
      }
      await f.broker.tick();
      expect((await f.broker.listDeadLetters(TOPIC, "g")).map((d) => d.message.body)).toEqual([
        "crashes-consumers",
      ]);
      expect(await f.broker.receive(TOPIC, "g")).toEqual([]);
      await f.close();
    });

    test("two groups consume independently; receive with a tag filter", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, {
        messages: [
          { body: 1, tags: ["a"] },
          { body: 2, tags: ["b"] },
          { body: 3, tags: ["a"] },
        ],
      });
      const g1 = await f.broker.receive(TOPIC, "g1", { max: 10, tags: ["a"] });
      const g2 = await f.broker.receive(TOPIC, "g2", { max: 10 });
      expect(g1.map((m) => m.body)).toEqual([1, 3]);
      expect(g2.map((m) => m.body)).toEqual([1, 2, 3]);
      await f.close();
    });

    test("a long-poll receive wakes up when a message arrives", async () => {
      const f = await openFixture(options);
      const waiting = f.broker.receive(TOPIC, "g", { waitMs: 10_000 });
      await f.broker.send(TOPIC, { messages: [{ body: "wake" }] });
      expect((await waiting).map((m) => m.body)).toEqual(["wake"]);
      await f.close();
    });
  });

  describe("pull consumer send-back", () => {
    test("a sent-back message comes back through the group's retry queue; send-back is idempotent", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, { messages: [{ body: "a" }, { body: "b" }] });
      const { messages } = await f.broker.read(TOPIC, 0, { from: 0 });
      await f.broker.sendBack(TOPIC, "p", 0, messages[0]!.offset);
      await f.broker.sendBack(TOPIC, "p", 0, messages[0]!.offset);
      await f.broker.commitOffsets(TOPIC, "p", { 0: 2 });
      expect((await f.broker.stats(TOPIC)).groups.p).toMatchObject({ retrying: 1, lag: 0 });
      f.clock.advance(DEFAULT_RETRY_SCHEDULE[0]!);
      const retries = await f.broker.receive(TOPIC, "p", { retriesOnly: true, max: 10 });
      expect(retries.map((m) => [m.body, m.reconsumeTimes])).toEqual([["a", 1]]);
      await f.broker.ack(
        TOPIC,
        "p",
        retries.map((m) => m.receipt),
      );
      await expectCode(f.broker.sendBack(TOPIC, "p", 0, 99), "not_found");
      // Polling retries alone commits nothing: a group that never read the log has no offsets.
      await f.broker.receive(TOPIC, "fresh", { retriesOnly: true });
      expect(await f.broker.getOffsets(TOPIC, "fresh")).toEqual({});
      await f.close();
    });
  });

  describe("restart", () => {
    test("messages, offsets, leases, retries and the clock's work all survive a restart", async () => {
      const f = await openFixture(options, { queueCount: 1 });
      await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [1, 2, 3, 4, 5].map((n) => ({ seq: n, body: n })),
      });
      const [one, two] = await f.broker.receive(TOPIC, "g", { max: 2, visibilityMs: 10_000 });
      await f.broker.ack(TOPIC, "g", [one!.receipt]);
      const [, , three] = (await f.broker.read(TOPIC, 0, { from: 0 })).messages;
      await f.broker.sendBack(TOPIC, "p", 0, three!.offset);
      await f.broker.commitOffsets(TOPIC, "p", { 0: 4 });
      await f.restart();
      // The lease taken before the restart still holds, and its receipt still works.
      expect(await f.broker.receive(TOPIC, "g", { max: 1 })).toMatchObject([{ body: 3 }]);
      await f.broker.ack(TOPIC, "g", [two!.receipt]);
      expect(await f.broker.getOffsets(TOPIC, "p")).toEqual({ 0: 4 });
      const sent = await f.broker.send(TOPIC, {
        producerId: "p",
        messages: [
          { seq: 5, body: 5 },
          { seq: 6, body: 6 },
        ],
      });
      expect(sent.map((r) => [r.status, r.offset])).toEqual([
        ["duplicate", 4],
        ["stored", 5],
      ]);
      f.clock.advance(DEFAULT_RETRY_SCHEDULE[0]!);
      expect(
        (await f.broker.receive(TOPIC, "p", { retriesOnly: true })).map((m) => m.body),
      ).toEqual([3]);
      await f.close();
    });
  });
}
