import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import type { LeasedMessage } from "../model.js";
import { MemoryStorage, openMemoryStore } from "../store/memory-store.js";
import { Broker } from "./broker.js";

const TOPIC = "t";
const GROUP = "g";
const VISIBILITY_MS = 1_000;

/** What a consumer may do next; a crash forgets its leases, which then expire. */
type Op =
  | { kind: "send"; keys: Array<number | null> }
  | { kind: "receive"; max: number }
  | { kind: "ack"; pick: number }
  | { kind: "nack"; pick: number; delayMs: number }
  | { kind: "wait"; ms: number }
  | { kind: "crash" }
  | { kind: "restart" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("send" as const),
    keys: fc.array(fc.option(fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("receive" as const), max: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("ack" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("nack" as const),
    pick: fc.nat(),
    delayMs: fc.constantFrom(0, 0, 300, 2_000),
  }),
  fc.record({ kind: fc.constant("wait" as const), ms: fc.constantFrom(100, 600, 1_500) }),
  fc.constant({ kind: "crash" as const }),
  fc.constant({ kind: "restart" as const }),
);

describe("ordered lease mode, property", () => {
  it("per key: handlers start in log order, never two at once, and nothing is lost", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), async (ops) => {
        const clock = new ManualClock();
        const storage = new MemoryStorage();
        const open = async () =>
          Broker.open({ store: await openMemoryStore({ storage }), clock, autoTick: false });
        let broker = await open();
        await broker.createTopic(TOPIC, { queueCount: 2, maxReconsumeTimes: 2 });
        await broker.setGroupSettings(TOPIC, GROUP, { ordered: true });

        let next = 0;
        const keyOf = new Map<number, string | undefined>();
        /** Each key's message ids in the order the log took them (sends are one batch, in order). */
        const logOrder = new Map<string, number[]>();
        /** Each key's first starts, in order. */
        const started = new Map<string, number[]>();
        const finished = new Set<number>();
        /** Leases the consumer holds, until they run out. */
        let running: Array<{ m: LeasedMessage; until: number }> = [];
        const keyed = (m: LeasedMessage) => keyOf.get(m.body as number) !== undefined;

        const start = (m: LeasedMessage, now: number) => {
          const id = m.body as number;
          const key = keyOf.get(id)!;
          // Never two of a key at once: no other live lease of this key.
          const other = running.find(
            (r) => keyOf.get(r.m.body as number) === key && r.m.body !== id && r.until > now,
          );
          expect(other?.m.body, `key ${key}: ${id} started while another runs`).toBeUndefined();
          const seen = started.get(key) ?? [];
          // A message starts again only while it is its key's latest: once a later one started, never.
          expect(seen.includes(id) ? seen.at(-1) : id, `key ${key}: ${id} after a later one`).toBe(
            id,
          );
          if (!seen.includes(id)) started.set(key, [...seen, id]);
        };

        for (const o of ops) {
          const now = clock.now();
          running = running.filter((r) => r.until > now);
          switch (o.kind) {
            case "send": {
              const messages = o.keys.map((k) => {
                const id = next++;
                const key = k === null ? undefined : `k${k}`;
                keyOf.set(id, key);
                if (key !== undefined) logOrder.set(key, [...(logOrder.get(key) ?? []), id]);
                return { body: id, ...(key === undefined ? {} : { key }) };
              });
              await broker.send(TOPIC, { messages });
              break;
            }
            case "receive": {
              const got = await broker.receive(TOPIC, GROUP, {
                max: o.max,
                visibilityMs: VISIBILITY_MS,
              });
              for (const m of got.filter(keyed)) start(m, now);
              running.push(...got.map((m) => ({ m, until: now + VISIBILITY_MS })));
              break;
            }
            case "ack":
            case "nack": {
              const held = running[o.pick % Math.max(1, running.length)];
              if (!held) break;
              const { m } = held;
              running = running.filter((r) => r !== held);
              if (o.kind === "ack") {
                await broker.ack(TOPIC, GROUP, [m.receipt]);
                finished.add(m.body as number);
              } else await broker.nack(TOPIC, GROUP, [m.receipt], o.delayMs);
              break;
            }
            case "wait":
              clock.advance(o.ms);
              await broker.tick();
              break;
            case "crash":
              running = [];
              break;
            case "restart":
              await broker.close();
              broker = await open();
              running = [];
              break;
          }
        }

        // Drain: time passes, everything is handled; what never succeeds is a dead letter.
        running = [];
        for (let round = 0; round < 200; round++) {
          clock.advance(5_000);
          await broker.tick();
          const got = await broker.receive(TOPIC, GROUP, { max: 50, visibilityMs: VISIBILITY_MS });
          if (got.length === 0 && (await broker.stats(TOPIC)).groups[GROUP]!.lag === 0) break;
          for (const m of got.filter(keyed)) start(m, clock.now());
          if (got.length > 0)
            await broker.ack(
              TOPIC,
              GROUP,
              got.map((m) => m.receipt),
            );
          for (const m of got) finished.add(m.body as number);
        }
        const dead = (await broker.listDeadLetters(TOPIC, GROUP, 1000)).map(
          (d) => d.message.body as number,
        );
        expect([...finished, ...dead].sort((a, b) => a - b)).toEqual(
          Array.from({ length: next }, (_, i) => i),
        );
        // Every key started its messages in log order (dead letters too, before they died).
        for (const [key, ids] of logOrder) expect(started.get(key), `key ${key}`).toEqual(ids);
        await broker.close();
      }),
      { numRuns: 60, seed: 20261202 },
    );
  });
});
