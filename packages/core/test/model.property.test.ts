import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { Broker } from "../src/engine/broker.js";
import { isEdgeqError } from "../src/errors.js";
import type { LeasedMessage, Message, SendResult } from "../src/model.js";
import { MemoryStorage, type MemoryStore, openMemoryStore } from "../src/store/memory-store.js";

/**
 * Model-based property tests: random runs of producers (with lost writes and
 * lost answers), a lease consumer (receive, ack, nack, extend, crash), a pull
 * consumer (read, commit, crash, stale commits), clock jumps and broker
 * restarts over the same storage, checked against what a reference model
 * says must hold:
 * - no acknowledged message is lost, and none is stored twice per (producerId, seq);
 * - offsets are dense; one producer's messages of one key keep their order;
 * - the lease group ends with every message acked or dead-lettered;
 * - the pull group's committed offset never moves back and never passes an
 *   offset that was not processed.
 */

const TOPIC = "orders";
const QUEUES = 2;
const KEYS = ["a", "b", "c", undefined] as const;

type Action =
  | {
      t: "send";
      producer: number;
      keys: Array<string | undefined>;
      fault: "none" | "write" | "answer";
    }
  | { t: "receive"; max: number; visibilityMs: number }
  | { t: "ack"; count: number }
  | { t: "nack"; count: number }
  | { t: "extend"; count: number; visibilityMs: number }
  | { t: "advance"; ms: number }
  | { t: "crashLease" }
  | { t: "pull"; queueId: number; max: number }
  | { t: "commit" }
  | { t: "crashPull" }
  | { t: "staleCommit" }
  | { t: "restart" };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("send" as const),
      producer: fc.integer({ min: 0, max: 1 }),
      keys: fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }),
      fault: fc.constantFrom("none" as const, "none" as const, "write" as const, "answer" as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("receive" as const),
      max: fc.integer({ min: 1, max: 5 }),
      visibilityMs: fc.integer({ min: 1_000, max: 60_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("ack" as const), count: fc.integer({ min: 1, max: 4 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("nack" as const),
      count: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("extend" as const),
      count: fc.integer({ min: 1, max: 2 }),
      visibilityMs: fc.integer({ min: 1_000, max: 60_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("advance" as const),
      ms: fc.integer({ min: 0, max: 90_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "crashLease" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("pull" as const),
      queueId: fc.integer({ min: 0, max: QUEUES - 1 }),
      max: fc.integer({ min: 1, max: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: "commit" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "crashPull" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "staleCommit" as const }) },
  { weight: 1, arbitrary: fc.constant({ t: "restart" as const }) },
);

/** The reference model: what the producers were told, and what the consumers did. */
class Model {
  readonly acked = new Map<string, SendResult>();
  readonly nextSeq = [1, 1];
  inHand: LeasedMessage[] = [];
  readonly leaseAcked = new Set<string>();
  /** Pull consumer: in-memory read position, offsets processed, offsets it committed. */
  position: number[] = Array(QUEUES).fill(0);
  readonly processed: Array<Set<number>> = Array.from({ length: QUEUES }, () => new Set());
  committed: number[] = Array(QUEUES).fill(0);
}

const pid = (producer: number) => `producer-${producer}`;
const seqKey = (producerId: string, seq: number) => `${producerId}#${seq}`;

class World {
  readonly clock = new ManualClock(1_000_000);
  readonly storage = new MemoryStorage();
  store!: MemoryStore;
  broker!: Broker;
  readonly model = new Model();

  async open(): Promise<void> {
    this.store = await openMemoryStore({ storage: this.storage });
    this.broker = await Broker.open({ store: this.store, clock: this.clock, autoTick: false });
  }

  async apply(a: Action): Promise<void> {
    const { broker, model } = this;
    switch (a.t) {
      case "send": {
        const producerId = pid(a.producer);
        const first = model.nextSeq[a.producer]!;
        const request = {
          producerId,
          messages: a.keys.map((key, i) => ({
            seq: first + i,
            body: { producerId, seq: first + i },
            ...(key === undefined ? {} : { key }),
          })),
        };
        if (a.fault === "write") {
          this.store.failNextWrite();
          await expect(broker.send(TOPIC, request)).rejects.toBeDefined();
        } else if (a.fault === "answer") {
          // Stored, but the producer never hears it: the retry below must come back duplicate.
          await broker.send(TOPIC, request);
        }
        // The producer resends the same seqs until it hears an answer (as Producer does).
        const results = await broker.send(TOPIC, request);
        // A batch spanning queues is one write per queue: a failed one may leave the others stored.
        const allowed = { none: ["stored"], answer: ["duplicate"], write: ["stored", "duplicate"] }[
          a.fault
        ];
        for (const r of results) expect(allowed).toContain(r.status);
        for (const [i, r] of results.entries()) model.acked.set(seqKey(producerId, first + i), r);
        model.nextSeq[a.producer] = first + a.keys.length;
        return;
      }
      case "receive": {
        const got = await broker.receive(TOPIC, "lease", {
          max: a.max,
          visibilityMs: a.visibilityMs,
        });
        model.inHand.push(...got);
        return;
      }
      case "ack":
      case "nack":
      case "extend": {
        const picked = model.inHand.splice(0, a.count);
        for (const m of picked) {
          // One at a time: a receipt that expired or predates a restart fails alone, and the message comes back.
          const done = await succeeded(this.leaseCall(a, m.receipt));
          if (done && a.t === "ack") model.leaseAcked.add(m.msgId);
          if (done && a.t === "extend") model.inHand.push(m);
        }
        return;
      }
      case "advance":
        this.clock.advance(a.ms);
        await broker.tick();
        return;
      case "crashLease":
        model.inHand = [];
        return;
      case "pull": {
        const from = model.position[a.queueId]!;
        const page = await broker.read(TOPIC, a.queueId, { from, limit: a.max });
        for (const m of page.messages) model.processed[a.queueId]!.add(m.offset);
        model.position[a.queueId] = page.nextOffset;
        return;
      }
      case "commit": {
        const offsets = Object.fromEntries(model.position.map((o, q) => [String(q), o]));
        await broker.commitOffsets(TOPIC, "pull", offsets);
        model.committed = [...model.position];
        await this.checkPullOffsets();
        return;
      }
      case "crashPull": {
        const offsets = await broker.getOffsets(TOPIC, "pull");
        model.position = model.position.map((_, q) => offsets[String(q)] ?? 0);
        return;
      }
      case "staleCommit": {
        // A late commit from before: it must not move the group back.
        const stale = Object.fromEntries(
          model.committed.map((o, q) => [String(q), Math.max(0, o - 2)]),
        );
        await broker.commitOffsets(TOPIC, "pull", stale);
        await this.checkPullOffsets();
        return;
      }
      case "restart":
        await broker.close();
        await this.open();
        return;
    }
  }

  private leaseCall(a: Extract<Action, { t: "ack" | "nack" | "extend" }>, receipt: string) {
    if (a.t === "ack") return this.broker.ack(TOPIC, "lease", [receipt]);
    if (a.t === "nack") return this.broker.nack(TOPIC, "lease", [receipt], 0);
    return this.broker.extend(TOPIC, "lease", [receipt], a.visibilityMs);
  }

  /** The broker's committed offsets: exactly the model's, and never past an unprocessed offset. */
  async checkPullOffsets(): Promise<void> {
    const offsets = await this.broker.getOffsets(TOPIC, "pull");
    for (let q = 0; q < QUEUES; q++) {
      const committed = offsets[String(q)] ?? 0;
      expect(committed).toBe(this.model.committed[q]);
      for (let o = 0; o < committed; o++) expect(this.model.processed[q]!.has(o)).toBe(true);
    }
  }

  async log(): Promise<Message[][]> {
    const queues: Message[][] = [];
    for (let q = 0; q < QUEUES; q++) {
      const page = await this.broker.read(TOPIC, q, { from: 0, limit: 1000 });
      queues.push(page.messages);
    }
    return queues;
  }

  /** Lets every lease expire and every retry come due, acking whatever arrives. */
  async drainLeaseGroup(): Promise<void> {
    let quiet = 0;
    for (let round = 0; round < 200 && quiet < 3; round++) {
      this.clock.advance(70_000);
      await this.broker.tick();
      const got = await this.broker.receive(TOPIC, "lease", { max: 100, visibilityMs: 60_000 });
      if (got.length === 0) quiet++;
      else quiet = 0;
      if (got.length > 0) {
        await this.broker.ack(
          TOPIC,
          "lease",
          got.map((m) => m.receipt),
        );
        for (const m of got) this.model.leaseAcked.add(m.msgId);
      }
    }
  }
}

async function succeeded(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    if (isEdgeqError(error, "conflict") || isEdgeqError(error, "not_found")) return false;
    throw error;
  }
}

async function checkInvariants(world: World): Promise<void> {
  const log = await world.log();
  const bySeq = new Map<string, Message>();
  log.forEach((messages, q) => {
    // Dense offsets from zero (nothing is old enough for retention here).
    expect(messages.map((m) => m.offset)).toEqual(messages.map((_, i) => i));
    const lastSeq = new Map<string, number>();
    for (const m of messages) {
      expect(m.queueId).toBe(q);
      const id = seqKey(m.producerId!, m.seq!);
      expect(bySeq.has(id), `(producerId, seq) ${id} stored twice`).toBe(false);
      bySeq.set(id, m);
      // One producer's messages of one key stay in seq order.
      const orderKey = `${m.producerId}|${m.key ?? `queue-${q}`}`;
      expect(m.seq!).toBeGreaterThan(lastSeq.get(orderKey) ?? 0);
      lastSeq.set(orderKey, m.seq!);
    }
  });
  // Every acknowledged send is in the log, where its answer said.
  for (const [id, result] of world.model.acked) {
    const stored = bySeq.get(id);
    expect(stored, `acknowledged ${id} lost`).toBeDefined();
    expect([stored!.queueId, stored!.offset, stored!.msgId]).toEqual([
      result.queueId,
      result.offset,
      result.msgId,
    ]);
  }
  expect(bySeq.size).toBe(world.model.acked.size);
}

describe("the engine against a reference model", () => {
  it("keeps every guarantee under random sends, consumers, crashes and restarts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 40 }), async (actions) => {
        const world = new World();
        await world.open();
        await world.broker.createTopic(TOPIC, {
          queueCount: QUEUES,
          retrySchedule: [1_000, 2_000],
          maxReconsumeTimes: 2,
        });
        // The lease group exists before the first message, so it must see every one.
        await world.broker.receive(TOPIC, "lease", { max: 1 });
        for (const a of actions) {
          await world.apply(a);
          await checkInvariants(world);
        }
        await world.drainLeaseGroup();
        const dead = new Set(
          (await world.broker.listDeadLetters(TOPIC, "lease", 1000)).map((d) => d.message.msgId),
        );
        for (const messages of await world.log())
          for (const m of messages)
            expect(
              world.model.leaseAcked.has(m.msgId) || dead.has(m.msgId),
              `${m.msgId} neither acked nor dead-lettered`,
            ).toBe(true);
        await world.checkPullOffsets();
        await world.broker.close();
      }),
      { numRuns: 400 },
    );
    // 400 runs take ~3 s alone and several times that on a busy 2-core machine.
  }, 60_000);
});
