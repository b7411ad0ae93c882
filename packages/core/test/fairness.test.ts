import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.js";
import { Broker } from "../src/engine/broker.js";
import { resolveTopicConfig } from "../src/engine/config.js";
import { QueueEngine } from "../src/engine/queue-engine.js";
import { RouterRotations } from "../src/engine/rotations.js";
import { TopicRouter } from "../src/engine/topic-router.js";
import { openMemoryStore } from "../src/store/memory-store.js";
import { pickQueue } from "../src/util/hash.js";

/**
 * Fairness over a topic's queues (issue 11): anonymous sends take turns over
 * the queues, and a group's lease receives reach every queue that has
 * messages within `queueCount` receives, whether the router lives as long as
 * the broker (in process) or is made for each request over shared turns (as
 * the edge Worker does).
 */

const TOPIC = "orders";

/** A key that routes to each queue of a topic of `queueCount` queues. */
function keysByQueue(queueCount: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.filter(Boolean).length < queueCount; i++) {
    const q = pickQueue(queueCount, `k${i}`, undefined, () => 0);
    keys[q] ??= `k${i}`;
  }
  return keys;
}

/** Queue engines of one topic over one store, and a way to make a router per call, as the edge does. */
async function edgeTopic(queueCount: number, rotations?: RouterRotations) {
  const clock = new ManualClock();
  const config = resolveTopicConfig({ queueCount });
  const store = await openMemoryStore();
  const engines: QueueEngine[] = [];
  for (let queueId = 0; queueId < queueCount; queueId++)
    engines.push(
      await QueueEngine.open(store, {
        topic: TOPIC,
        queueId,
        config,
        clock,
        random: () => 0.5,
      }),
    );
  // A new router per request: nothing of the previous request's router survives.
  const router = () =>
    rotations
      ? new TopicRouter(TOPIC, config, engines, clock, rotations)
      : new TopicRouter(TOPIC, config, engines, clock);
  return { engines, router, clock };
}

/** `perQueue` messages on each queue, keyed so each lands where it should. */
async function backlog(send: (req: unknown) => Promise<unknown>, counts: number[]) {
  const keys = keysByQueue(counts.length);
  for (const [q, count] of counts.entries())
    for (let i = 0; i < count; i += 100) {
      const n = Math.min(100, count - i);
      await send({
        messages: Array.from({ length: n }, (_, j) => ({ key: keys[q], body: i + j })),
      });
    }
}

function countByQueue(queueCount: number, queueIds: number[]): number[] {
  const counts = new Array<number>(queueCount).fill(0);
  for (const q of queueIds) counts[q]!++;
  return counts;
}

describe("anonymous sends", () => {
  it("take turns over the queues even when every send has a new router (the edge)", async () => {
    const t = await edgeTopic(4);
    const queueIds: number[] = [];
    for (let i = 0; i < 40; i++) {
      const [r] = await t.router().send({ messages: [{ body: i }] });
      queueIds.push(r!.queueId);
    }
    expect(countByQueue(4, queueIds)).toEqual([10, 10, 10, 10]);
  });

  it("start at a random queue, so routers of different isolates do not all begin at queue 0", async () => {
    const firsts = [0.1, 0.3, 0.6, 0.9].map((x) => new RouterRotations(() => x).nextSend(TOPIC, 4));
    expect(firsts).toEqual([0, 1, 2, 3]);
  });

  it("spread a batch too; keys and producers keep their queues", async () => {
    const t = await edgeTopic(4);
    const batch = await t.router().send({ messages: [1, 2, 3, 4].map((body) => ({ body })) });
    expect(
      countByQueue(
        4,
        batch.map((r) => r.queueId),
      ),
    ).toEqual([1, 1, 1, 1]);
    const sticky: number[] = [];
    for (let seq = 0; seq < 8; seq++) {
      const [r] = await t.router().send({ producerId: "p-1", messages: [{ seq, body: seq }] });
      sticky.push(r!.queueId);
    }
    expect(new Set(sticky)).toEqual(new Set([pickQueue(4, undefined, "p-1", () => 0)]));
    const keyed = await t.router().send({ messages: [{ key: "k", body: 1 }] });
    expect(keyed[0]!.queueId).toBe(pickQueue(4, "k", undefined, () => 0));
  });
});

describe("lease receives", () => {
  it("four receives of max 6 over four queues of 12 serve all four, with a router per request", async () => {
    const t = await edgeTopic(4);
    await backlog((req) => t.router().send(req), [12, 12, 12, 12]);
    const served: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const got = await t.router().receive("g", { max: 6 });
      served.push(got.map((m) => m.queueId));
    }
    expect(served.map((s) => s.length)).toEqual([6, 6, 6, 6]);
    expect(countByQueue(4, served.flat())).toEqual([6, 6, 6, 6]);
  });

  it("take turns per group: two groups receiving in alternation both reach every queue", async () => {
    const clock = new ManualClock();
    const broker = await Broker.open({ store: await openMemoryStore(), clock, random: () => 0 });
    await broker.createTopic(TOPIC, { queueCount: 4 });
    await backlog((req) => broker.send(TOPIC, req), [12, 12, 12, 12]);
    const byGroup: Record<string, number[]> = { a: [], b: [] };
    for (let i = 0; i < 4; i++)
      for (const group of ["a", "b"])
        byGroup[group]!.push(
          ...(await broker.receive(TOPIC, group, { max: 6 })).map((m) => m.queueId),
        );
    expect(countByQueue(4, byGroup.a!)).toEqual([6, 6, 6, 6]);
    expect(countByQueue(4, byGroup.b!)).toEqual([6, 6, 6, 6]);
  });

  it("a queue full of due retries does not starve the others", async () => {
    const t = await edgeTopic(2);
    await backlog((req) => t.router().send(req), [20, 0]);
    const retries = await t.router().receive("g", { max: 20 });
    await t.router().nack(
      "g",
      retries.map((m) => m.receipt),
      0,
    );
    await backlog((req) => t.router().send(req), [0, 4]);
    const served: number[][] = [];
    for (let i = 0; i < 2; i++)
      served.push(
        countByQueue(
          2,
          (await t.router().receive("g", { max: 5 })).map((m) => m.queueId),
        ),
      );
    // Queue 0 served last, so queue 1 goes first; its retries still come first on queue 0.
    expect(served).toEqual([
      [1, 4],
      [5, 0],
    ]);
  });

  it("property: no queue with deliverable messages waits more than queueCount receives of its group", async () => {
    const scenario = fc.record({
      queueCount: fc.integer({ min: 1, max: 5 }),
      backlogs: fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 5, maxLength: 5 }),
      edge: fc.boolean(),
      seed: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      steps: fc.array(
        fc.record({
          group: fc.constantFrom("a", "b", "c"),
          max: fc.integer({ min: 1, max: 8 }),
          // Some of what was received goes back as a retry that is due at once.
          nack: fc.integer({ min: 0, max: 3 }),
        }),
        { minLength: 1, maxLength: 40 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ queueCount, backlogs, edge, seed, steps }) => {
        const counts = backlogs.slice(0, queueCount);
        const clock = new ManualClock();
        let receive: (group: string, max: number) => ReturnType<TopicRouter["receive"]>;
        let nack: (group: string, receipts: string[]) => Promise<void>;
        if (edge) {
          const t = await edgeTopic(queueCount, new RouterRotations(() => seed));
          await backlog((req) => t.router().send(req), counts);
          receive = (group, max) => t.router().receive(group, { max });
          nack = (group, receipts) => t.router().nack(group, receipts, 0);
        } else {
          const broker = await Broker.open({
            store: await openMemoryStore(),
            clock,
            random: () => seed,
          });
          await broker.createTopic(TOPIC, { queueCount });
          await backlog((req) => broker.send(TOPIC, req), counts);
          receive = (group, max) => broker.receive(TOPIC, group, { max });
          nack = (group, receipts) => broker.nack(TOPIC, group, receipts, 0);
        }
        // Per group and queue: messages it can be handed now, and receives it has waited.
        const deliverable = new Map<string, number[]>();
        const waited = new Map<string, number[]>();
        for (const group of ["a", "b", "c"]) {
          deliverable.set(group, [...counts]);
          waited.set(group, new Array<number>(queueCount).fill(0));
        }
        for (const step of steps) {
          const ready = deliverable.get(step.group)!;
          const waits = waited.get(step.group)!;
          const got = await receive(step.group, step.max);
          const served = countByQueue(
            queueCount,
            got.map((m) => m.queueId),
          );
          for (let q = 0; q < queueCount; q++) {
            waits[q] = ready[q]! > 0 && served[q] === 0 ? waits[q]! + 1 : 0;
            ready[q]! -= served[q]!;
          }
          expect(Math.max(...waits)).toBeLessThan(queueCount);
          const back = got.slice(0, step.nack);
          if (back.length > 0) {
            await nack(
              step.group,
              back.map((m) => m.receipt),
            );
            for (const m of back) ready[m.queueId]!++;
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
