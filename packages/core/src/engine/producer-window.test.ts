import { describe, expect, it } from "vitest";
import { ProducerWindow } from "./producer-window.js";

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
});
