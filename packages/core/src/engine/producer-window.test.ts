import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeNum } from "../store/keys.js";
import { type MemoryStore, openMemoryStore } from "../store/memory-store.js";
import type { StoreOp } from "../store/store.js";
import { ProducerCache } from "./producer-cache.js";
import { ProducerWindow, RUNS_PER_CHUNK } from "./producer-window.js";
import {
  fromJson,
  lastPart,
  type PositionKind,
  type ProducerRecord,
  QueueKeys,
} from "./records.js";

const keys = new QueueKeys("t", 0);

/** Writes what the window has to write, and answers the ops. */
async function persist(store: MemoryStore, w: ProducerWindow, id = "p"): Promise<StoreOp[]> {
  const ops: StoreOp[] = [];
  w.writeOps(ops, keys, id);
  await store.write(ops);
  return ops;
}

/** The window as a new process would load it from the store. */
async function reload(store: MemoryStore, id = "p"): Promise<ProducerWindow> {
  const cache = new ProducerCache(store, keys);
  const w = await cache.acquire(id);
  cache.release(id);
  return w;
}

describe("ProducerWindow", () => {
  it("merges consecutive seqs into one run and finds each", () => {
    const w = new ProducerWindow();
    for (let i = 0; i < 100; i++) w.record(1 + i, 0, 500 + i, 4);
    expect(w.toRecord().runs).toEqual([[1, 100, 500, 0]]);
    expect(w.lookup(42)).toEqual({ found: true, kind: 0, n: 541 });
    expect(w.lookup(101)).toEqual({ found: false });
  });

  it("keeps only `window` runs; older seqs fall to the floor", () => {
    const w = new ProducerWindow();
    for (const seq of [1, 5, 9, 13, 17]) w.record(seq, 0, seq * 10, 3);
    expect(w.toRecord().runs.length).toBe(3);
    expect(w.toRecord().floor).toBe(5);
    expect(w.lookup(1)).toEqual({ found: true, kind: undefined, n: undefined });
    expect(w.lookup(9)).toEqual({ found: true, kind: 0, n: 90 });
    expect(w.lookup(7)).toEqual({ found: false });
  });

  it("survives a round trip through its record", () => {
    const w = new ProducerWindow();
    w.record(3, 1, 8, 10);
    w.lastSeenAt = 99;
    const again = new ProducerWindow(w.toRecord());
    expect(again.lookup(3)).toEqual({ found: true, kind: 1, n: 8 });
    expect(again.lastSeenAt).toBe(99);
  });

  it("writes a few runs per append, not the window: each full chunk once, an aged-out chunk deleted once", async () => {
    const store = await openMemoryStore();
    const w = new ProducerWindow();
    const chunkPuts = new Map<string, number>();
    const chunkDeletes: string[] = [];
    // An interleaved producer: its positions are never consecutive, so every seq is a run of its own.
    for (let seq = 1; seq <= 200; seq++) {
      w.record(seq, 0, seq * 64, 32);
      for (const op of await persist(store, w)) {
        if (op.type === "delete") chunkDeletes.push(op.key);
        if (op.type !== "put") continue;
        if (op.key === keys.producer("p"))
          expect(fromJson<ProducerRecord>(op.value).runs.length).toBeLessThanOrEqual(
            RUNS_PER_CHUNK,
          );
        else chunkPuts.set(op.key, (chunkPuts.get(op.key) ?? 0) + 1);
      }
    }
    // 200 runs: 24 full chunks sealed (the 25th is the record's), each written exactly once.
    expect(chunkPuts.size).toBe(24);
    expect([...chunkPuts.values()].every((n) => n === 1)).toBe(true);
    // 32 runs kept: the 168 oldest aged out, a whole chunk at a time: 21 chunks, each deleted once.
    expect(new Set(chunkDeletes).size).toBe(21);
    expect(chunkDeletes.length).toBe(21);
    const left = await store.scan({ prefix: keys.producerChunkPrefix("p") });
    expect(left.length).toBe(3);
    expect(w.lookup(200)).toEqual({ found: true, kind: 0, n: 200 * 64 });
    expect(w.lookup(169)).toEqual({ found: true, kind: 0, n: 169 * 64 });
    expect(w.lookup(168)).toEqual({ found: true, kind: undefined, n: undefined });
  });

  it("loads a record written before chunks, and chunks it as it grows", async () => {
    const store = await openMemoryStore();
    const legacy: ProducerRecord = {
      runs: Array.from(
        { length: 20 },
        (_, i) => [i + 1, 1, i * 9, 0] as [number, number, number, 0],
      ),
      floor: 0,
      lastSeenAt: 5,
    };
    await store.write([{ type: "put", key: keys.producer("p"), value: legacy as never }]);
    const w = await reload(store);
    expect(w.lookup(7)).toEqual({ found: true, kind: 0, n: 54 });
    w.record(21, 1, 1000, 128);
    await persist(store, w);
    const again = await reload(store);
    for (let seq = 0; seq <= 22; seq++) expect(again.lookup(seq)).toEqual(w.lookup(seq));
    expect((await store.scan({ prefix: keys.producerChunkPrefix("p") })).length).toBe(2);
  });

  it("deleting a window deletes its chunks", async () => {
    const store = await openMemoryStore();
    const w = new ProducerWindow();
    for (let seq = 1; seq <= 40; seq++) w.record(seq, 0, seq * 2, 128);
    await persist(store, w);
    expect((await store.scan({ prefix: keys.producerChunkPrefix("p") })).length).toBe(4);
    const ops: StoreOp[] = [];
    w.deleteOps(ops, keys, "p");
    await store.write(ops);
    expect(await store.scan({ prefix: "prch|" })).toEqual([]);
    expect(await store.get(keys.producer("p"))).toBeUndefined();
  });

  it("reloads as it was and goes on alike, whatever the window size, runs, epochs and write points", async () => {
    const step = fc.record({
      // 0: the next position (the run grows); otherwise a jump (a new run).
      gap: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom<PositionKind>(0, 1, 2),
      newEpoch: fc.integer({ min: 0, max: 29 }).map((n) => n === 0),
      persist: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(step, { minLength: 1, maxLength: 150 }),
        fc.nat(),
        async (window, steps, restart) => {
          const store = await openMemoryStore();
          // `mine` never restarts; `stored` is written to the store and reloaded from it halfway.
          const mine = new ProducerWindow();
          let stored = mine;
          const reloadAt = restart % steps.length;
          let epoch = 0;
          let seq = 0;
          let position = 0;
          for (const [i, s] of steps.entries()) {
            if (i === reloadAt) {
              await persist(store, stored);
              stored = await reload(store);
            }
            const windows = stored === mine ? [mine] : [mine, stored];
            if (s.newEpoch) {
              epoch++;
              seq = 0;
              for (const w of windows) w.admit(epoch, [0]);
            }
            position += 1 + s.gap * 5;
            for (const w of windows) w.record(seq, s.kind, position, window);
            seq++;
            if (s.persist) await persist(store, stored);
          }
          await persist(store, stored);
          const loaded = await reload(store);
          const seqs = Array.from({ length: seq + 3 }, (_, i) => i - 1);
          // A reload may still know a position aged out here (its chunk kept younger runs),
          // never a different one: the seqs with a position here have the same one there.
          const placed = seqs.filter((q) => {
            const here = mine.lookup(q);
            return here.found && here.n !== undefined;
          });
          for (const other of [stored, loaded]) {
            expect(other.nextSeq()).toBe(mine.nextSeq());
            expect(other.epoch).toBe(mine.epoch);
            expect(seqs.map((q) => other.lookup(q).found)).toEqual(
              seqs.map((q) => mine.lookup(q).found),
            );
            expect(placed.map((q) => other.lookup(q))).toEqual(placed.map((q) => mine.lookup(q)));
          }
          // The store holds no more than the window needs: chunks for at most the window
          // plus one chunk, none left behind.
          const chunks = await store.scan({ prefix: keys.producerChunkPrefix("p") });
          expect(chunks.length).toBeLessThanOrEqual(Math.ceil(window / RUNS_PER_CHUNK) + 1);
          for (const [key, runs] of chunks) {
            // Whole chunk numbers only.
            expect(key).toBe(keys.producerChunk("p", decodeNum(lastPart(key))));
            expect((runs as unknown[]).length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
