import { describe, expect, it } from "vitest";
import { openMemoryStore } from "../store/memory-store.js";
import { ProbedStore } from "../testing/harness.js";
import { GroupCommitter, lastOpPerKey } from "./group-commit.js";

describe("GroupCommitter", () => {
  it("batches everything committed in one tick into one write", async () => {
    const store = new ProbedStore(await openMemoryStore());
    const committer = GroupCommitter.forStore(store);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        committer.commit([{ type: "put", key: `k|${i}`, value: i }]),
      ),
    );
    expect(store.writes).toBe(1);
    expect((await store.scan({ prefix: "k|" })).length).toBe(20);
  });

  it("writes each key once per batch, as the last op on it left it", async () => {
    const store = new ProbedStore(await openMemoryStore());
    await store.write([{ type: "put", key: "k|gone", value: 0 }]);
    const committer = GroupCommitter.forStore(store);
    await Promise.all([
      committer.commit([
        { type: "put", key: "k|meta", value: 1 },
        { type: "put", key: "k|a", value: "a" },
      ]),
      committer.commit([
        { type: "put", key: "k|meta", value: 2 },
        { type: "delete", key: "k|a" },
        { type: "put", key: "k|gone", value: 1 },
      ]),
      committer.commit([
        { type: "put", key: "k|meta", value: 3 },
        { type: "delete", key: "k|gone" },
      ]),
    ]);
    expect(await store.scan({ prefix: "k|" })).toEqual([["k|meta", 3]]);
    expect(
      lastOpPerKey([
        { type: "put", key: "m", value: 1 },
        { type: "put", key: "x", value: 1 },
        { type: "put", key: "m", value: 2 },
      ]),
    ).toEqual([
      { type: "put", key: "x", value: 1 },
      { type: "put", key: "m", value: 2 },
    ]);
    // A range delete orders everything around it: left as it is.
    const ranged = [
      { type: "put", key: "m", value: 1 },
      { type: "deleteRange", start: "a", end: "z" },
      { type: "put", key: "m", value: 2 },
    ] as const;
    expect(lastOpPerKey([...ranged])).toEqual(ranged);
  });

  it("fails the failed batch and the one queued behind it, then carries on", async () => {
    const store = new ProbedStore(await openMemoryStore());
    const failures: unknown[] = [];
    const committer = GroupCommitter.forStore(store, {
      failQueued: true,
      onFailure: (e) => failures.push(e),
    });
    store.failNextWrites(1);
    const first = committer.commit([{ type: "put", key: "a|1", value: 1 }]);
    // Queued while the first is in flight: computed on state that assumed the first.
    await Promise.resolve();
    const behind = committer.commit([{ type: "put", key: "a|2", value: 2 }]);
    await expect(first).rejects.toMatchObject({ code: "unavailable" });
    await expect(behind).rejects.toMatchObject({ code: "unavailable" });
    expect(failures.length).toBe(1);
    await committer.commit([{ type: "put", key: "a|3", value: 3 }]);
    expect((await store.scan({ prefix: "a|" })).map(([k]) => k)).toEqual(["a|3"]);
  });
});
