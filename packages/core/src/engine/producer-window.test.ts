import { describe, expect, it } from "vitest";
import { ProducerWindow } from "./producer-window.js";
import type { ProducerRecord, RunRecord } from "./records.js";

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
    expect(w.toRecord().runs?.length).toBe(3);
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

  it("writes only the runs an append touched, into a ring of slots that reloads to the same window", () => {
    const w = new ProducerWindow();
    const slots = new Map<number, RunRecord>();
    let head: ProducerRecord | undefined;
    const written: number[] = [];
    for (let seq = 1; seq <= 300; seq++) {
      // Interleaved with other producers: every message starts a new run.
      w.record(seq, 0, seq * 7, 128);
      const out = w.persist(128);
      written.push(out.runs.length);
      head = out.head;
      for (const run of out.runs) slots.set(run[4] % 128, run);
    }
    expect(new Set(written)).toEqual(new Set([1]));
    expect(slots.size).toBe(128);
    const again = new ProducerWindow(head, [...slots.values()]);
    for (let seq = 0; seq <= 301; seq++) expect(again.lookup(seq)).toEqual(w.lookup(seq));
    expect(again.toRecord()).toEqual(w.toRecord());
  });

  it("reads the older one-record layout and writes all of it once in the new one", () => {
    const old = new ProducerWindow();
    for (const seq of [1, 5, 9]) old.record(seq, 0, seq, 128);
    const w = new ProducerWindow(old.toRecord());
    expect(w.persist(128).runs.map((r) => r[4])).toEqual([0, 1, 2]);
    w.record(13, 0, 13, 128);
    expect(w.persist(128).runs).toEqual([[13, 1, 13, 0, 3]]);
  });
});
