import { describe, expect, it } from "vitest";
import type { StoreOp } from "../store/store.js";
import { compactOps } from "./compact.js";
import type { Segment } from "./records.js";

const seg = (first: number, n: number): Segment => ({
  first,
  lastAt: first,
  bytes: n,
  msgs: Array.from({ length: n }, (_, i) => ({ body: first + i, producedAt: first, size: 1 })),
});
const put = (key: string, value: unknown): StoreOp => ({ type: "put", key, value: value as never });

describe("compactOps", () => {
  it("keeps only the last write of a key and joins consecutive segments", () => {
    const a = seg(0, 2);
    const ops = [
      put("seg|q|0", a),
      put("meta|q", { head: 2 }),
      put("seg|q|2", seg(2, 1)),
      put("meta|q", { head: 3 }),
      { type: "delete", key: "x" } as StoreOp,
      put("x", 1),
    ];
    const out = compactOps(ops, "seg|q|", 1000);
    expect(out).toEqual([
      put("seg|q|0", { first: 0, lastAt: 2, bytes: 3, msgs: [...a.msgs, ...seg(2, 1).msgs] }),
      put("meta|q", { head: 3 }),
      put("x", 1),
    ]);
    // The original segment is not changed.
    expect(a.msgs.length).toBe(2);
  });

  it("joins no further than maxMessages, nor across a gap or a deleteRange", () => {
    const ops = [
      put("seg|q|0", seg(0, 2)),
      put("seg|q|2", seg(2, 2)),
      put("seg|q|4", seg(4, 1)),
      put("seg|q|9", seg(9, 1)),
      { type: "deleteRange", start: "a", end: "b" } as StoreOp,
      put("seg|q|10", seg(10, 1)),
      put("meta|q", 1),
      { type: "deleteRange", start: "c", end: "d" } as StoreOp,
      put("meta|q", 2),
    ];
    const keys = compactOps(ops, "seg|q|", 4).map((op) =>
      op.type === "deleteRange" ? "range" : op.key,
    );
    expect(keys).toEqual([
      "seg|q|0",
      "seg|q|4",
      "seg|q|9",
      "range",
      "seg|q|10",
      "meta|q",
      "range",
      "meta|q",
    ]);
  });
});
