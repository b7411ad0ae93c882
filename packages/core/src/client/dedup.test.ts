import { describe, expect, it } from "vitest";
import type { Message } from "../model.js";
import { DedupSet, withDedup } from "./dedup.js";
import { deferred } from "./test-support.js";

const ctx = { signal: new AbortController().signal };
const msg = (msgId: string): Message => ({
  msgId,
  topic: "t",
  queueId: 0,
  offset: 0,
  body: null,
  tags: [],
  headers: {},
  producedAt: 0,
  reconsumeTimes: 0,
});

describe("DedupSet", () => {
  it("evicts the oldest id past capacity", () => {
    const set = new DedupSet({ capacity: 3 });
    for (const id of ["a", "b", "c", "d"]) set.add(id);
    expect(set.size).toBe(3);
    expect(set.has("a")).toBe(false);
    expect(["b", "c", "d"].every((id) => set.has(id))).toBe(true);
  });

  it("re-adding an id makes it the newest", () => {
    const set = new DedupSet({ capacity: 3 });
    for (const id of ["a", "b", "c", "a", "d"]) set.add(id);
    expect(set.has("a")).toBe(true);
    expect(set.has("b")).toBe(false);
  });

  it("defaults to 10,000 and rejects a capacity below 1", () => {
    expect(new DedupSet().capacity).toBe(10_000);
    expect(() => new DedupSet({ capacity: 0 })).toThrow(RangeError);
  });
});

describe("withDedup", () => {
  it("skips a msgId that already succeeded", async () => {
    const seen: string[] = [];
    const handler = withDedup((m) => {
      seen.push(m.msgId);
    }, new DedupSet());
    await handler(msg("a"), ctx);
    await handler(msg("b"), ctx);
    await handler(msg("a"), ctx);
    expect(seen).toEqual(["a", "b"]);
  });

  it("marks a msgId only after success, so a failed message runs again", async () => {
    let calls = 0;
    const set = new DedupSet();
    const handler = withDedup(() => {
      calls++;
      if (calls === 1) throw new Error("first try fails");
    }, set);
    await expect(handler(msg("a"), ctx)).rejects.toThrow("first try fails");
    expect(set.has("a")).toBe(false);
    await handler(msg("a"), ctx);
    await handler(msg("a"), ctx);
    expect(calls).toBe(2);
  });

  it("an overlapping duplicate waits and is skipped if the first succeeds", async () => {
    const gate = deferred();
    let calls = 0;
    const handler = withDedup(async () => {
      calls++;
      await gate.promise;
    }, new DedupSet());
    const first = handler(msg("a"), ctx);
    const second = handler(msg("a"), ctx);
    gate.resolve();
    await Promise.all([first, second]);
    expect(calls).toBe(1);
  });

  it("an overlapping duplicate runs if the first fails", async () => {
    const gate = deferred();
    let calls = 0;
    const handler = withDedup(async () => {
      calls++;
      if (calls === 1) {
        await gate.promise;
        throw new Error("fails");
      }
    }, new DedupSet());
    const first = handler(msg("a"), ctx);
    const second = handler(msg("a"), ctx);
    gate.resolve();
    await expect(first).rejects.toThrow("fails");
    await second;
    expect(calls).toBe(2);
  });
});
