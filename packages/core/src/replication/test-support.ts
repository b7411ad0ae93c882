import { ManualClock } from "../clock.js";
import type { JsonValue } from "../model.js";
import { MemoryStorage, type MemoryStore, openMemoryStore } from "../store/memory-store.js";
import type { Store } from "../store/store.js";
import { LocalReplicaLink } from "./local-replica-link.js";
import { ReplicaApplier } from "./replica-applier.js";
import { openReplicatedStore, type ReplicatedStoreOptions } from "./replicated-store.js";
import { isShipped } from "./replication-log.js";

/** A replica for the tests: its storage, its applier and the primary's link to it. */
export interface TestReplica {
  name: string;
  storage: MemoryStorage;
  store: MemoryStore;
  applier: ReplicaApplier;
  link: LocalReplicaLink;
}

export async function newReplica(name: string, tailBatches?: number): Promise<TestReplica> {
  const storage = new MemoryStorage();
  const store = await openMemoryStore({ storage });
  const applier = new ReplicaApplier(store, {
    name,
    ...(tailBatches === undefined ? {} : { tailBatches }),
  });
  return { name, storage, store, applier, link: new LocalReplicaLink(applier) };
}

/** A primary on a MemoryStore with `n` in-process replicas. */
export async function openCluster(
  n: number,
  options: Partial<Omit<ReplicatedStoreOptions, "links">> = {},
) {
  const clock = new ManualClock();
  const storage = new MemoryStorage();
  const replicas = await Promise.all(
    Array.from({ length: n }, (_, i) => newReplica(`r${i}`, options.tailBatches)),
  );
  const primary = await openReplicatedStore(await openMemoryStore({ storage }), {
    name: "p",
    mode: "sync",
    clock,
    links: replicas.map((r) => r.link),
    ...options,
  });
  return { clock, storage, primary, replicas };
}

/** Every replicated record of `store`, in key order: what two members must agree on. */
export async function shippedRecords(store: Store): Promise<Array<[string, JsonValue]>> {
  const rows = await store.scan({});
  return rows.filter(([k]) => isShipped(k, [])).map(([k, v]) => [k, v]);
}

/** Writes `n` small batches of one record each (`k|<i>`). */
export async function writeRecords(store: Store, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++)
    await store.write([{ type: "put", key: `k|${i}`, value: i }]);
}
