import type { JsonValue } from "../model.js";

/**
 * The durable record store under the engine: ordered string keys, JSON values,
 * atomic write batches. It is deliberately small so that IndexedDB (one object
 * store) and Durable Object SQLite (one table) implement it in a few dozen lines.
 *
 * Contract (checked by `runStoreConformance` in `@edgeq/core/testing`):
 * - Keys are printable ASCII (the engine encodes everything else), compared by
 *   code unit, so IndexedDB's and SQLite's BINARY orders agree.
 * - `write` applies all its ops or none, in order, and resolves only once they
 *   are durable to the degree the store promises (the engine acks on it).
 * - Values are copied on write: mutating an object after `put` changes nothing.
 * - The engine is the single writer of its keys and never awaits anything but
 *   the store inside a `write`, so an adapter may map `write` onto one native
 *   transaction (IndexedDB transactions close when control leaves them).
 */
export interface Store {
  /** The value under `key`, or undefined. */
  get(key: string): Promise<JsonValue | undefined>;
  /** Entries in key order (or reverse), within `[start, end)` and/or under `prefix`. */
  scan(range: StoreRange): Promise<StoreEntry[]>;
  /** Applies `ops` atomically and in order; resolves once they are durable. */
  write(ops: readonly StoreOp[]): Promise<void>;
  /** Releases what the store holds open; the engine calls it last, after its final write. */
  close(): Promise<void>;
  /**
   * Optional: runs `fn` in one native transaction that reads and writes
   * atomically against every other writer of the same storage (another tab
   * over one IndexedDB). Stores with one writer per process need not have it
   * (see `transact`). `fn` may await only `tx.get`.
   */
  transact?<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
}

/** A read-then-write transaction of a store (`Store.transact`). */
export interface StoreTransaction {
  /** Reads `key` inside the transaction, isolated from other writers until it commits. */
  get(key: string): Promise<JsonValue | undefined>;
  /** Queues ops; they apply when the transaction commits, all of them or none. */
  write(ops: readonly StoreOp[]): void;
}

/**
 * Runs `fn` as one read-then-write transaction: the store's own where it has
 * one; otherwise reads go to the store and the ops collected are written in
 * one atomic `write` at the end, which is atomic only while the caller is the
 * store's single writer for the keys involved (the engine's rule).
 */
export async function transact<T>(
  store: Store,
  fn: (tx: StoreTransaction) => Promise<T>,
): Promise<T> {
  if (store.transact) return store.transact(fn);
  const ops: StoreOp[] = [];
  const result = await fn({ get: (key) => store.get(key), write: (more) => ops.push(...more) });
  await store.write(ops);
  return result;
}

/** A key range of `Store.scan`. */
export interface StoreRange {
  /** Only keys starting with this. Combines with start/end. */
  prefix?: string;
  /** Inclusive lower bound. */
  start?: string;
  /** Exclusive upper bound. */
  end?: string;
  limit?: number;
  reverse?: boolean;
}

/** One record of a scan: its key and value. */
export type StoreEntry = readonly [key: string, value: JsonValue];

/** One operation of an atomic `Store.write`. */
export type StoreOp =
  | { type: "put"; key: string; value: JsonValue }
  | { type: "delete"; key: string }
  /** Deletes every key in `[start, end)`. */
  | { type: "deleteRange"; start: string; end: string };

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  // Keys are printable ASCII, so bumping the last code unit is enough.
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/**
 * Resolves a range's prefix into concrete `[start, end)` bounds (`end`
 * undefined: no upper bound). Public for store adapters: every adapter's
 * `scan` starts here, so all of them read a prefix the same way.
 */
export function rangeBounds(range: StoreRange): { start: string; end: string | undefined } {
  let start = range.start ?? "";
  let end = range.end;
  if (range.prefix !== undefined && range.prefix !== "") {
    if (start < range.prefix) start = range.prefix;
    const pe = prefixEnd(range.prefix);
    if (end === undefined || end > pe) end = pe;
  }
  return { start, end };
}
