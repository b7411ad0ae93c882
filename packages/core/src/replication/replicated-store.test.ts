import { describe, expect, it } from "vitest";
import { expectCode } from "../testing/broker-fixture.js";
import { openCluster, shippedRecords, writeRecords } from "./test-support.js";

describe("ReplicatedStore, sync", () => {
  it("resolves a write only once W=2 replicas hold it, and they hold exactly the primary's records", async () => {
    const { primary, replicas } = await openCluster(2, { acks: 2 });
    await writeRecords(primary, 0, 5);
    await primary.write([{ type: "delete", key: "k|2" }]);
    const expected = await shippedRecords(primary);
    expect(expected.map(([k]) => k)).toEqual(["k|0", "k|1", "k|3", "k|4"]);
    for (const r of replicas) expect(await shippedRecords(r.store)).toEqual(expected);
    const status = primary.status();
    expect(status.seq).toBe(6);
    expect(status.replicas.map((r) => [r.state, r.acked, r.lagBatches])).toEqual([
      ["in_sync", 6, 0],
      ["in_sync", 6, 0],
    ]);
  });

  it("with W=1 answers on the first ack; a slow replica catches up when it answers", async () => {
    const { primary, replicas } = await openCluster(2, { acks: 1 });
    await writeRecords(primary, 0, 1);
    replicas[1]!.link.hold();
    await writeRecords(primary, 1, 3);
    expect(await shippedRecords(replicas[0]!.store)).toHaveLength(4);
    expect(await shippedRecords(replicas[1]!.store)).toHaveLength(1);
    expect(primary.status().replicas[1]!.lagBatches).toBe(3);
    replicas[1]!.link.release();
    await primary.pump();
    expect(await shippedRecords(replicas[1]!.store)).toEqual(await shippedRecords(primary));
    expect(primary.status().replicas[1]).toMatchObject({ state: "in_sync", lagBatches: 0 });
  });

  it("counts out a replica that misses the deadline and refuses writes while fewer than W are in sync", async () => {
    const { primary, replicas, storage } = await openCluster(2, { acks: 2, ackTimeoutMs: 30 });
    await writeRecords(primary, 0, 1);
    replicas[1]!.link.hold();
    const refused = await expectCode(writeRecords(primary, 1, 1), "unavailable");
    expect(refused.details).toMatchObject({ retryAfterMs: 1000 });
    // The refused batch is the primary's own (an unacknowledged write): replica 0 has it too.
    expect(await primary.get("k|1")).toBe(1);
    expect(primary.status().replicas[1]).toMatchObject({ state: "lagging", lagBatches: 1 });
    expect(primary.status().replicas[1]!.lastError).toMatch(/no ack within 30 ms/);

    // While counted out, a write is refused before anything is written.
    const before = storage.size;
    await expectCode(writeRecords(primary, 2, 1), "unavailable");
    expect(storage.size).toBe(before);
    expect(await primary.get("k|2")).toBeUndefined();

    replicas[1]!.link.release();
    await primary.pump();
    expect(primary.status().replicas[1]!.state).toBe("in_sync");
    await writeRecords(primary, 2, 1);
    for (const r of replicas)
      expect(await shippedRecords(r.store)).toEqual(await shippedRecords(primary));
  });

  it("fails a write whose replicas fail (W=1, both down), then a retry answers once one is back", async () => {
    const { primary, replicas } = await openCluster(2, { acks: 1 });
    for (const r of replicas) r.link.down = true;
    await expectCode(writeRecords(primary, 0, 1), "unavailable");
    expect(primary.status().replicas.map((r) => r.state)).toEqual(["lagging", "lagging"]);
    replicas[0]!.link.down = false;
    await primary.pump();
    await writeRecords(primary, 1, 1);
    expect(await shippedRecords(replicas[0]!.store)).toEqual(await shippedRecords(primary));
    expect(primary.status().replicas.map((r) => r.state)).toEqual(["in_sync", "lagging"]);
  });
});

describe("ReplicatedStore, async", () => {
  it("answers after the local write and reports lag in batches and milliseconds", async () => {
    const { primary, replicas, clock } = await openCluster(1, { mode: "async" });
    replicas[0]!.link.down = true;
    await writeRecords(primary, 0, 3);
    clock.advance(250);
    await writeRecords(primary, 3, 2);
    await primary.pump();
    const lag = () => {
      const { state, acked, lagBatches, lagMs } = primary.status().replicas[0]!;
      return [primary.behind(), state, acked, lagBatches, lagMs];
    };
    expect(lag()).toEqual([true, "lagging", 0, 5, 250]);
    replicas[0]!.link.down = false;
    await primary.pump();
    expect(lag()).toEqual([false, "in_sync", 5, 0, 0]);
  });
});

describe("catch-up", () => {
  it("feeds a replica back from the retained tail when the batches it lacks are still there", async () => {
    const { primary, replicas } = await openCluster(1, { mode: "async", tailBatches: 50 });
    await writeRecords(primary, 0, 2);
    await primary.pump();
    replicas[0]!.link.down = true;
    await writeRecords(primary, 2, 20);
    await primary.pump();
    replicas[0]!.link.down = false;
    await primary.pump();
    expect(await shippedRecords(replicas[0]!.store)).toEqual(await shippedRecords(primary));
    expect(replicas[0]!.link.snapshotPages).toBe(0);
    expect((await replicas[0]!.applier.position()).seq).toBe(22);
  });

  it("sends a snapshot in pages when the tail no longer has them, and then follows from its base", async () => {
    const { primary, replicas } = await openCluster(1, {
      mode: "async",
      tailBatches: 4,
      snapshotPageSize: 3,
    });
    await writeRecords(primary, 0, 3);
    await primary.pump();
    replicas[0]!.link.down = true;
    await primary.write([{ type: "delete", key: "k|1" }]);
    await writeRecords(primary, 3, 10);
    await primary.pump();
    replicas[0]!.link.down = false;
    await primary.pump();
    expect(replicas[0]!.link.snapshotPages).toBe(5); // 12 records, 3 a page, and an empty last page
    const records = await shippedRecords(replicas[0]!.store);
    expect(records).toEqual(await shippedRecords(primary));
    expect(records.map(([k]) => k)).not.toContain("k|1");
    await writeRecords(primary, 13, 1);
    await primary.pump();
    expect(await shippedRecords(replicas[0]!.store)).toEqual(await shippedRecords(primary));
    expect((await replicas[0]!.applier.position()).seq).toBe(15);
  });

  it("keeps each call and snapshot page to a few MiB, whatever the batch count", async () => {
    const big = (i: number) => [{ type: "put" as const, key: `big|${i}`, value: "x".repeat(3e6) }];
    const fed = await openCluster(1, { mode: "async", tailBatches: 10 });
    fed.replicas[0]!.link.down = true;
    for (let i = 0; i < 5; i++) await fed.primary.write(big(i));
    await fed.primary.pump();
    fed.replicas[0]!.link.down = false;
    const before = fed.replicas[0]!.link.calls;
    await fed.primary.pump();
    // Five are measured: batches 1-2 (6 MB; three would be over 8 MiB), then 3-5 (four or fewer go unmeasured).
    expect(fed.replicas[0]!.link.calls - before).toBe(2);
    expect(await shippedRecords(fed.replicas[0]!.store)).toEqual(await shippedRecords(fed.primary));
    const snap = await openCluster(1, { mode: "async", tailBatches: 1 });
    snap.replicas[0]!.link.down = true;
    for (let i = 0; i < 3; i++) await snap.primary.write(big(i));
    await snap.primary.pump();
    snap.replicas[0]!.link.down = false;
    await snap.primary.pump();
    expect(snap.replicas[0]!.link.snapshotPages).toBe(3); // one 3 MB record a page
    expect(await shippedRecords(snap.replicas[0]!.store)).toEqual(
      await shippedRecords(snap.primary),
    );
  });

  it("applies a batch sent twice once, and asks for what is missing on a gap", async () => {
    const { primary, replicas } = await openCluster(1, { acks: 1 });
    await writeRecords(primary, 0, 2);
    const identity = { term: 1, primary: "p", terms: [{ term: 1, start: 1 }] };
    const batch = {
      seq: 2,
      term: 1,
      at: 0,
      ops: [{ type: "put" as const, key: "k|1", value: 99 }],
    };
    expect(await replicas[0]!.applier.apply({ ...identity, batches: [batch] })).toMatchObject({
      status: "ok",
      applied: 2,
    });
    expect(await replicas[0]!.store.get("k|1")).toBe(1);
    const later = { ...batch, seq: 5 };
    expect(await replicas[0]!.applier.apply({ ...identity, batches: [later] })).toMatchObject({
      status: "gap",
      applied: 2,
    });
  });
});
