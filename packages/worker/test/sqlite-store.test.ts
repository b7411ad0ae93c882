import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Store } from "@edgeq/core";
import { runBrokerBehaviour, runStoreConformance } from "@edgeq/core/testing";
import { createSqliteStore } from "../src/store/sqlite-store.js";

/**
 * A Store whose every call runs inside a real SQLite-backed Durable Object,
 * on a store created over its `ctx.storage`. `reopen` builds a new store
 * object over the same storage, as a restarted object would.
 */
function probeStore(name: string): Store {
  const stub = env.QUEUE.get(env.QUEUE.idFromName(name));
  let closed = false;
  const inside = <T>(fn: (store: Store) => Promise<T>) =>
    runInDurableObject(stub, (_instance, state) => {
      if (closed) throw new Error("store is closed");
      return fn(createSqliteStore(state.storage, { table: "probe_kv" }));
    });
  return {
    get: (key) => inside((s) => s.get(key)),
    scan: (range) => inside((s) => s.scan(range)),
    write: (ops) => inside((s) => s.write(ops)),
    close: async () => {
      closed = true;
    },
  };
}

const names = new WeakMap<Store, string>();
const harness = {
  name: "SqliteStore (Durable Object)",
  create: async () => {
    const name = crypto.randomUUID();
    const store = probeStore(name);
    names.set(store, name);
    return store;
  },
  reopen: async (store: Store) => {
    await store.close();
    const name = names.get(store)!;
    const again = probeStore(name);
    names.set(again, name);
    return again;
  },
};

runStoreConformance(harness);
runBrokerBehaviour(harness);
