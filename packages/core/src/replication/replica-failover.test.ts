import { describe, expect, it } from "vitest";
import { Broker } from "../engine/broker.js";
import { isEdgeqError } from "../errors.js";
import { openMemoryStore } from "../store/memory-store.js";
import { expectCode, readAll } from "../testing/broker-fixture.js";
import { LocalReplicaLink } from "./local-replica-link.js";
import { ReplicaApplier } from "./replica-applier.js";
import { openReplicatedStore } from "./replicated-store.js";
import { openCluster, shippedRecords, writeRecords } from "./test-support.js";

describe("promotion and fencing", () => {
  it("a promoted replica leads a new term; the old primary is refused with a pointer, even after a restart, and rejoins by snapshot", async () => {
    const { primary, replicas, storage, clock } = await openCluster(2, { acks: 2 });
    await writeRecords(primary, 0, 3);
    const [r0, r1] = [replicas[0]!, replicas[1]!];

    const promoted = await r0.applier.promote();
    expect(promoted).toMatchObject({ role: "primary", term: 2, seq: 3 });
    const oldAsReplica = new ReplicaApplier(await openMemoryStore({ storage }), { name: "p" });
    const oldLink = new LocalReplicaLink(oldAsReplica);
    oldLink.down = true; // the old primary's region is unreachable at first
    const leader = await openReplicatedStore(r0.store, {
      name: "r0",
      mode: "sync",
      acks: 1,
      clock,
      links: [r1.link, oldLink],
    });
    // Opening announced term 2 to r1: the old primary's next write can get no ack.
    expect((await r1.applier.position()).term).toBe(2);
    const fenced = await expectCode(writeRecords(primary, 3, 1), "conflict");
    expect(fenced.details).toEqual({ primary: "r0", term: 2 });
    await expectCode(writeRecords(primary, 4, 1), "conflict");
    const reopened = await openReplicatedStore(await openMemoryStore({ storage }), {
      name: "p",
      mode: "sync",
      clock,
      links: [r0.link, r1.link],
    });
    await expectCode(writeRecords(reopened, 4, 1), "conflict");

    await writeRecords(leader, 10, 2);
    expect(await shippedRecords(r1.store)).toEqual(await shippedRecords(r0.store));
    // The old primary holds a batch of term 1 the new history lacks (its refused write): a snapshot resets it.
    expect(await oldAsReplica.store.get("k|3")).toBe(3);
    oldLink.down = false;
    await leader.pump();
    expect(oldLink.snapshotPages).toBeGreaterThan(0);
    expect(await shippedRecords(oldAsReplica.store)).toEqual(await shippedRecords(r0.store));
    expect(await oldAsReplica.store.get("k|3")).toBeUndefined();
    expect(leader.status().replicas.map((r) => r.state)).toEqual(["in_sync", "in_sync"]);
  });

  it("a brand-new primary over lost storage fences itself when a replica holds more", async () => {
    const { primary, replicas, clock } = await openCluster(1, { acks: 1 });
    await writeRecords(primary, 0, 3);
    const wiped = await openReplicatedStore(await openMemoryStore(), {
      name: "p",
      mode: "sync",
      clock,
      links: [replicas[0]!.link],
    });
    const refused = await expectCode(writeRecords(wiped, 0, 1), "unavailable");
    expect(refused.details).toMatchObject({ retryAfterMs: 1000 });
    expect(wiped.status().fencedBy).toEqual({ term: 1, primary: "" });
    expect(await replicas[0]!.store.get("k|0")).toBe(0);
  });

  it("refuses to promote a replica halfway through a snapshot", async () => {
    const { primary, replicas } = await openCluster(1, {
      mode: "async",
      tailBatches: 2,
      snapshotPageSize: 2,
    });
    replicas[0]!.link.down = true;
    await writeRecords(primary, 0, 6);
    await primary.pump();
    const identity = { term: 1, primary: "p", terms: [{ term: 1, start: 1 }] };
    await replicas[0]!.applier.snapshot({
      ...identity,
      base: 6,
      first: true,
      done: false,
      entries: [],
    });
    await expectCode(replicas[0]!.applier.promote(), "conflict");
  });
});

describe("the engine over a replicated store", () => {
  it("after the primary is lost, a promoted replica serves every acknowledged message exactly once", async () => {
    const { primary, replicas, clock } = await openCluster(2, { acks: 1, ackTimeoutMs: 30 });
    const broker = await Broker.open({ store: primary, clock, autoTick: false });
    await broker.createTopic("t", { queueCount: 2 });
    const acked: string[] = [];
    const send = async (producerId: string, seq: number) => {
      try {
        const [r] = await broker.send("t", {
          producerId,
          messages: [{ seq, body: `${producerId}:${seq}` }],
        });
        if (r?.status === "stored" || r?.status === "duplicate") acked.push(`${producerId}:${seq}`);
      } catch (error) {
        // Refused: not acknowledged, so it may or may not survive; a retry below settles it.
        if (!isEdgeqError(error, "unavailable")) throw error;
      }
    };
    for (let seq = 1; seq <= 10; seq++) await send("a", seq);
    replicas[1]!.link.down = true;
    for (let seq = 1; seq <= 10; seq++) await send("b", seq);
    replicas[0]!.link.down = true;
    await send("a", 11); // both replicas down: refused
    replicas[0]!.link.down = false;
    await primary.pump();
    await send("a", 11); // the retry of the refused send
    await send("a", 12);
    await broker.commitOffsets("t", "g", { "0": 2 });
    const [half] = await broker.send("t", {
      producerId: "tx",
      transactional: true,
      messages: [{ seq: 1, body: "half" }],
    });
    expect(acked).toHaveLength(22);

    // The primary's storage is gone: promote the replica that holds the most.
    const positions = await Promise.all(replicas.map((r) => r.applier.position()));
    const best = positions[0]!.seq >= positions[1]!.seq ? 0 : 1;
    expect(best).toBe(0);
    await replicas[0]!.applier.promote();
    replicas[1]!.link.down = false;
    const leader = await openReplicatedStore(replicas[0]!.store, {
      name: "r0",
      mode: "sync",
      acks: 1,
      clock,
      links: [replicas[1]!.link],
    });
    const next = await Broker.open({ store: leader, clock, autoTick: false });
    const stored = [...(await readAll(next, 0, "t")), ...(await readAll(next, 1, "t"))].map(
      (m) => `${m.producerId}:${m.seq}`,
    );
    for (const id of acked) expect(stored.filter((s) => s === id)).toHaveLength(1);
    expect(new Set(stored).size).toBe(stored.length);
    const [retry] = await next.send("t", {
      producerId: "b",
      messages: [{ seq: 10, body: "b:10" }],
    });
    expect(retry?.status).toBe("duplicate");
    expect(await next.getOffsets("t", "g")).toMatchObject({ "0": 2 });
    const pending = await next.listTransactions("t", { producerId: "tx" });
    expect(pending.map((t) => [t.txId, t.state])).toEqual([[half!.txId, "pending"]]);
    await next.close();
  });
});
