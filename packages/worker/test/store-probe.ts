import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Store } from "@edgeq/core/store";
import type { StoreHarness } from "@edgeq/core/testing";
import { expect } from "vitest";

/**
 * A harness whose stores run every call inside a real SQLite-backed Durable
 * Object: `open` builds the store once per object instance, over its
 * `ctx.storage`, as the object itself does in its constructor.
 *
 * `reopen` is a real restart of the object: `evictDurableObject` (from
 * @cloudflare/vitest-plugin) tears the instance down and keeps its durable
 * storage, so the next call constructs a new instance, and `open` builds a
 * new store over storage the old one wrote, with nothing carried over in
 * memory. A Miniflare restart (the Node project's restart tests) would prove
 * the same on disk, but could not run the conformance suite, which runs
 * inside workerd; eviction is the in-runtime equivalent, and the harness
 * checks that the instance really changed.
 */
export function durableObjectHarness(
  open: (storage: DurableObjectStorage) => Promise<Store>,
): Required<StoreHarness> {
  const names = new WeakMap<Store, string>();
  // Tests and objects share one isolate, so the instance itself can key its store.
  const stores = new WeakMap<object, Store>();

  const probe = (name: string): { store: Store; instance: () => Promise<object> } => {
    const stub = () => env.QUEUE.get(env.QUEUE.idFromName(name));
    let closed = false;
    const inside = <T>(fn: (store: Store) => Promise<T>) =>
      runInDurableObject(stub(), async (instance: object, state) => {
        if (closed) throw new Error("store is closed");
        let store = stores.get(instance);
        if (!store) {
          store = await open(state.storage);
          stores.set(instance, store);
        }
        return fn(store);
      });
    const store: Store = {
      get: (key) => inside((s) => s.get(key)),
      scan: (range) => inside((s) => s.scan(range)),
      write: (ops) => inside((s) => s.write(ops)),
      close: async () => {
        if (closed) return;
        closed = true;
        const instance = await runInDurableObject(stub(), (i: object) => i);
        await stores.get(instance)?.close();
        stores.delete(instance);
      },
    };
    names.set(store, name);
    return { store, instance: () => runInDurableObject(stub(), (i: object) => i) };
  };

  return {
    create: async () => probe(crypto.randomUUID()).store,
    reopen: async (store: Store) => {
      const name = names.get(store);
      if (name === undefined) throw new Error("not a store of this harness");
      await store.close();
      const stub = env.QUEUE.get(env.QUEUE.idFromName(name));
      const before = await runInDurableObject(stub, (i: object) => i);
      await evictDurableObject(stub);
      const next = probe(name);
      expect(await next.instance(), "a new Durable Object instance").not.toBe(before);
      return next.store;
    },
  };
}
