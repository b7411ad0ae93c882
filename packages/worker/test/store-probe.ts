import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Store } from "@edgeq/core";
import type { StoreHarness } from "@edgeq/core/testing";

/**
 * A harness whose stores run every call inside a real SQLite-backed Durable
 * Object, on a store `open` builds over its `ctx.storage`. `reopen` builds a
 * new store object over the same storage, as a restarted object would.
 */
export function durableObjectHarness(
  open: (storage: DurableObjectStorage) => Store,
): Required<StoreHarness> {
  const names = new WeakMap<Store, string>();
  const probe = (name: string): Store => {
    const stub = env.QUEUE.get(env.QUEUE.idFromName(name));
    let closed = false;
    const inside = <T>(fn: (store: Store) => Promise<T>) =>
      runInDurableObject(stub, (_instance, state) => {
        if (closed) throw new Error("store is closed");
        return fn(open(state.storage));
      });
    const store: Store = {
      get: (key) => inside((s) => s.get(key)),
      scan: (range) => inside((s) => s.scan(range)),
      write: (ops) => inside((s) => s.write(ops)),
      close: async () => {
        closed = true;
      },
    };
    names.set(store, name);
    return store;
  };
  return {
    create: async () => probe(crypto.randomUUID()),
    reopen: async (store: Store) => {
      await store.close();
      return probe(names.get(store)!);
    },
  };
}
