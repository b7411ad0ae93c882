/**
 * `@edgeq/core/store`: the {@link Store} contract every storage adapter
 * implements (IndexedDB, Durable Object SQLite and KV, replication) and the
 * in-memory store. `runStoreConformance` in `@edgeq/core/testing` checks an adapter.
 * @module
 */
export {
  MemoryStorage,
  type MemoryStore,
  type MemoryStoreOptions,
  openMemoryStore,
} from "./memory-store.js";
export {
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
  type StoreTransaction,
  transact,
} from "./store.js";
