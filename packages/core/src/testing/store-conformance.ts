import { describe, expect, it } from "vitest";
import type { JsonValue } from "../model.js";
import type { Store } from "../store/store.js";
import type { SuiteOptions } from "./harness.js";

/**
 * The contract every Store adapter must keep (see `Store`). Register it from
 * the adapter's test file: `runStoreConformance({ name: "idb", create, reopen })`.
 */
export function runStoreConformance(options: SuiteOptions): void {
  const test = (name: string, fn: () => Promise<void>) => {
    const reason = options.skip?.[name];
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn);
    else it(name, fn);
  };
  // A test may hand back the store it ended with (after reopening); that one is closed.
  const withStore = (fn: (store: Store) => Promise<unknown>) => async () => {
    const store = await options.create();
    const result = await fn(store);
    const last = isStore(result) ? result : store;
    await last.close();
  };

  describe(`${options.name ?? "store"}: store conformance`, () => {
    test(
      "get of a missing key is undefined",
      withStore(async (s) => {
        expect(await s.get("nope|1")).toBeUndefined();
      }),
    );

    test(
      "values round-trip exactly",
      withStore(async (s) => {
        const value: JsonValue = {
          n: 1.5,
          big: Number.MAX_SAFE_INTEGER,
          neg: -7,
          s: 'héllo ✓ 𝄞 \u0000 "quoted"',
          t: true,
          nil: null,
          list: [1, "two", [3], { four: 4 }],
          empty: {},
        };
        await s.write([
          { type: "put", key: "v|a", value },
          { type: "put", key: "v|b", value: "plain" },
        ]);
        expect(await s.get("v|a")).toEqual(value);
        expect(await s.get("v|b")).toBe("plain");
      }),
    );

    test(
      "a put copies its value",
      withStore(async (s) => {
        const value = { list: [1, 2] };
        await s.write([{ type: "put", key: "c|1", value }]);
        value.list.push(3);
        expect(await s.get("c|1")).toEqual({ list: [1, 2] });
      }),
    );

    test(
      "scan returns keys in order, with bounds, limit and reverse",
      withStore(async (s) => {
        const keys = ["b|3", "a|1", "b|1", "b|10", "b|2", "c|0", "b|", "b|1|x"];
        await s.write(keys.map((key, i) => ({ type: "put", key, value: i })));
        const all = (await s.scan({})).map(([k]) => k);
        expect(all).toEqual([...keys].sort());
        // "0" (0x30) sorts before "|" (0x7c): plain code-unit order, no tuple semantics.
        expect((await s.scan({ prefix: "b|" })).map(([k]) => k)).toEqual([
          "b|",
          "b|1",
          "b|10",
          "b|1|x",
          "b|2",
          "b|3",
        ]);
        expect((await s.scan({ start: "b|1", end: "b|2" })).map(([k]) => k)).toEqual([
          "b|1",
          "b|10",
          "b|1|x",
        ]);
        expect((await s.scan({ prefix: "b|", reverse: true, limit: 2 })).map(([k]) => k)).toEqual([
          "b|3",
          "b|2",
        ]);
        expect((await s.scan({ prefix: "b|", start: "b|10", limit: 2 })).map(([k]) => k)).toEqual([
          "b|10",
          "b|1|x",
        ]);
        expect((await s.scan({ end: "b|1", reverse: true, limit: 1 })).map(([k]) => k)).toEqual([
          "b|",
        ]);
        expect(await s.scan({ prefix: "zz|" })).toEqual([]);
        expect(await s.scan({ prefix: "a|", limit: 0 })).toEqual([]);
        const [first] = await s.scan({ prefix: "a|" });
        expect(first).toEqual(["a|1", 1]);
      }),
    );

    test(
      "ordering is by code unit over printable ASCII",
      withStore(async (s) => {
        // The engine's encodings use these characters; every adapter must order them alike.
        const keys = [
          "k|%7C",
          "k|-",
          "k|.",
          "k|0",
          "k|9",
          "k|A",
          "k|Z",
          "k|_",
          "k|a",
          "k|z",
          "k|~",
          "k|00000000010",
          "k|0000000000z",
        ];
        await s.write(keys.map((key) => ({ type: "put", key, value: key })));
        expect((await s.scan({ prefix: "k|" })).map(([k]) => k)).toEqual([...keys].sort());
      }),
    );

    test(
      "one write applies its ops in order",
      withStore(async (s) => {
        await s.write([
          { type: "put", key: "o|1", value: 1 },
          { type: "delete", key: "o|1" },
          { type: "delete", key: "o|2" },
          { type: "put", key: "o|2", value: 2 },
          { type: "put", key: "o|3", value: 3 },
          { type: "put", key: "o|3", value: 33 },
        ]);
        expect(await s.scan({ prefix: "o|" })).toEqual([
          ["o|2", 2],
          ["o|3", 33],
        ]);
      }),
    );

    test(
      "deleteRange removes [start, end) only",
      withStore(async (s) => {
        await s.write(
          ["r|1", "r|2", "r|3", "r|4", "s|1"].map((key) => ({ type: "put", key, value: key })),
        );
        await s.write([{ type: "deleteRange", start: "r|2", end: "r|4" }]);
        expect((await s.scan({})).map(([k]) => k)).toEqual(["r|1", "r|4", "s|1"]);
      }),
    );

    test(
      "values read are copies: mutating one changes nothing stored",
      withStore(async (s) => {
        await s.write([{ type: "put", key: "c|1", value: { head: 0, list: [1] } }]);
        const got = (await s.get("c|1")) as { head: number; list: number[] };
        got.head = 99;
        got.list.push(2);
        const [[, scanned]] = (await s.scan({ prefix: "c|" })) as [[string, { head: number }]];
        scanned.head = 42;
        // The engine keeps what it reads as its working state; a store handing out
        // its own records would let a later failed write leak into them.
        expect(await s.get("c|1")).toEqual({ head: 0, list: [1] });
      }),
    );

    test(
      "concurrent writes all land",
      withStore(async (s) => {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            s.write([
              { type: "put", key: `w|${String(i).padStart(2, "0")}`, value: i },
              { type: "put", key: `x|${String(i).padStart(2, "0")}`, value: 100 - i },
            ]),
          ),
        );
        expect((await s.scan({ prefix: "w|" })).length).toBe(50);
        expect((await s.scan({ prefix: "x|" })).map(([, v]) => v)).toEqual(
          Array.from({ length: 50 }, (_, i) => 100 - i),
        );
      }),
    );

    test(
      "large values and many keys",
      withStore(async (s) => {
        const big = "x".repeat(200 * 1024);
        await s.write([{ type: "put", key: "big|1", value: { big } }]);
        expect(((await s.get("big|1")) as { big: string }).big.length).toBe(big.length);
        await s.write(
          Array.from({ length: 2000 }, (_, i) => ({
            type: "put" as const,
            key: `m|${String(i).padStart(5, "0")}`,
            value: i,
          })),
        );
        const page = await s.scan({ prefix: "m|", start: "m|01000", limit: 10 });
        expect(page.map(([, v]) => v)).toEqual([
          1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009,
        ]);
        expect((await s.scan({ prefix: "m|" })).length).toBe(2000);
      }),
    );

    const reopen = options.reopen;
    test(
      "everything written survives close and reopen",
      withStore(async (s) => {
        await s.write([
          { type: "put", key: "d|1", value: { a: 1 } },
          { type: "put", key: "d|2", value: [2] },
          { type: "put", key: "d|3", value: "three" },
        ]);
        await s.write([{ type: "delete", key: "d|2" }]);
        const again = await reopen(s);
        expect(await again.scan({ prefix: "d|" })).toEqual([
          ["d|1", { a: 1 }],
          ["d|3", "three"],
        ]);
        await again.write([{ type: "put", key: "d|4", value: 4 }]);
        const third = await reopen(again);
        expect((await third.scan({ prefix: "d|" })).map(([k]) => k)).toEqual(["d|1", "d|3", "d|4"]);
        return third;
      }),
    );

    test(
      "a write that fails inside the store applies none of its ops, before and after reopen",
      withStore(async (s) => {
        await s.write([
          { type: "put", key: "t|1", value: "one" },
          { type: "put", key: "t|2", value: { two: 2 } },
          { type: "put", key: "t|5", value: 5 },
        ]);
        const before = await s.scan({ prefix: "t|" });
        // Valid puts, deletes and a range delete first; the last put is a value
        // neither JSON.stringify nor structuredClone can carry, so the write fails
        // in the adapter itself (ProbedStore's failures never reach it).
        const unserialisable = {
          toJSON() {
            throw new Error("boom");
          },
        } as unknown as JsonValue;
        await expect(
          s.write([
            { type: "put", key: "t|3", value: "three" },
            { type: "put", key: "t|1", value: "changed" },
            { type: "delete", key: "t|2" },
            { type: "deleteRange", start: "t|4", end: "t|6" },
            { type: "put", key: "t|9", value: unserialisable },
          ]),
        ).rejects.toThrow();
        expect(await s.scan({ prefix: "t|" })).toEqual(before);
        const again = await reopen(s);
        expect(await again.scan({ prefix: "t|" })).toEqual([
          ["t|1", "one"],
          ["t|2", { two: 2 }],
          ["t|5", 5],
        ]);
        // The store still takes writes after the failed one.
        await again.write([{ type: "put", key: "t|6", value: 6 }]);
        expect((await again.scan({ prefix: "t|" })).map(([k]) => k)).toEqual([
          "t|1",
          "t|2",
          "t|5",
          "t|6",
        ]);
        return again;
      }),
    );

    test(
      "a large batch applies its ops in order: the last put of a key wins, deletes see the puts before them",
      withStore(async (s) => {
        const key = (i: number) => `b|${String(i).padStart(3, "0")}`;
        await s.write([
          ...Array.from({ length: 130 }, (_, i) => ({
            type: "put" as const,
            key: key(i),
            value: i,
          })),
          // In the same multi-row statement as its first put, on a store that batches them.
          { type: "put", key: key(122), value: "again" },
          ...Array.from({ length: 120 }, (_, i) => ({ type: "delete" as const, key: key(i) })),
          { type: "put", key: key(10), value: "back" },
          { type: "put", key: key(125), value: "last" },
        ]);
        const rows = await s.scan({ prefix: "b|" });
        expect(rows).toEqual([
          [key(10), "back"],
          ...Array.from({ length: 10 }, (_, i) => [
            key(120 + i),
            i === 2 ? "again" : i === 5 ? "last" : 120 + i,
          ]),
        ]);
      }),
    );

    test(
      "a write that resolved before close is never lost, even when close follows at once",
      withStore(async (s) => {
        const writes = Array.from({ length: 20 }, (_, i) =>
          s.write([{ type: "put", key: `f|${String(i).padStart(2, "0")}`, value: i }]),
        );
        await Promise.all(writes);
        const again = await reopen(s);
        expect((await again.scan({ prefix: "f|" })).length).toBe(20);
        return again;
      }),
    );
  });
}

function isStore(value: unknown): value is Store {
  return (
    typeof value === "object" && value !== null && typeof (value as Store).close === "function"
  );
}
