import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { MemoryStorage, openMemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import { runBrokerBehaviour, runStoreConformance } from "../testing/index.js";
import { openReplicatedStore, type ReplicatedStore } from "./replicated-store.js";
import { newReplica, shippedRecords, type TestReplica } from "./test-support.js";

// ReplicatedStore is a Store like any other adapter: the same contract, and the
// whole broker behaviour over it, with a replica that must hold what the primary holds.
interface Cluster {
  storage: MemoryStorage;
  replica: TestReplica;
  clock: ManualClock;
}
const clusters = new WeakMap<Store, Cluster>();

async function open(cluster: Cluster): Promise<ReplicatedStore> {
  const store = await openReplicatedStore(await openMemoryStore({ storage: cluster.storage }), {
    name: "primary",
    mode: "sync",
    acks: 1,
    clock: cluster.clock,
    links: [cluster.replica.link],
  });
  clusters.set(store, cluster);
  return store;
}

const harness = {
  name: "ReplicatedStore",
  create: async () =>
    open({
      storage: new MemoryStorage(),
      replica: await newReplica("r0"),
      clock: new ManualClock(),
    }),
  reopen: async (store: Store) => {
    await store.close();
    return open(clusters.get(store)!);
  },
};

runStoreConformance(harness);
runBrokerBehaviour(harness);

describe("ReplicatedStore under the conformance suite", () => {
  it("leaves its replica holding exactly what the primary holds", async () => {
    const store = await harness.create();
    await store.write([
      { type: "put", key: "a|1", value: 1 },
      { type: "put", key: "a|2", value: { b: [2] } },
    ]);
    await store.write([{ type: "delete", key: "a|1" }]);
    const reopened = await harness.reopen(store);
    const { replica } = clusters.get(reopened)!;
    expect(await shippedRecords(replica.store)).toEqual(await shippedRecords(reopened));
    expect((await shippedRecords(reopened)).map(([k]) => k)).toEqual(["a|2"]);
    await reopened.close();
  });
});
