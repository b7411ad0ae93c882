import { EdgeqError } from "../errors.js";
import type { JsonValue } from "../model.js";
import {
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
} from "./store.js";

/**
 * The records of a MemoryStore. Kept apart from the store so that a test can
 * close a store and open a new one over the same data, as a process restart
 * would. Keys are grouped by namespace (text before the first `|`) so an
 * insert in one namespace never shifts the sorted keys of another.
 */
export class MemoryStorage {
  /** @internal */
  readonly namespaces = new Map<string, SortedRecords>();

  /** @internal The sorted records of `key`'s namespace, created on first use. */
  namespaceOf(key: string): SortedRecords {
    const cut = key.indexOf("|");
    const ns = cut < 0 ? key : key.slice(0, cut);
    let records = this.namespaces.get(ns);
    if (!records) {
      records = new SortedRecords();
      this.namespaces.set(ns, records);
    }
    return records;
  }

  /** How many records it holds. */
  get size(): number {
    let n = 0;
    for (const records of this.namespaces.values()) n += records.keys.length;
    return n;
  }
}

class SortedRecords {
  keys: string[] = [];
  values = new Map<string, JsonValue>();

  /** Index of the first key >= `key`. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    // Appends dominate: check the end first so they stay O(1).
    if (hi > 0 && this.keys[hi - 1]! < key) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  put(key: string, value: JsonValue): void {
    if (!this.values.has(key)) this.keys.splice(this.lowerBound(key), 0, key);
    this.values.set(key, value);
  }

  delete(key: string): void {
    if (!this.values.delete(key)) return;
    this.keys.splice(this.lowerBound(key), 1);
  }

  deleteRange(start: string, end: string): void {
    const from = this.lowerBound(start);
    const to = this.lowerBound(end);
    if (to <= from) return;
    for (const key of this.keys.slice(from, to)) this.values.delete(key);
    this.keys.splice(from, to - from);
  }
}

/** Options of `openMemoryStore`. */
export interface MemoryStoreOptions {
  /** Share records with an earlier store to simulate a restart. Default: new, empty storage. */
  storage?: MemoryStorage;
}

/**
 * Opens an in-memory Store, as every store is opened (`openIdbStore`,
 * `openSqliteStore`, `openKvStore`, `openReplicatedStore`): volatile across
 * processes, but it honours the whole store contract (atomic batches, copies
 * on write, ordered scans), and a store opened over the same `MemoryStorage`
 * sees everything written before.
 *
 * @example
 * ```ts
 * const storage = new MemoryStorage();
 * const store = await openMemoryStore({ storage });
 * await store.close();
 * const reopened = await openMemoryStore({ storage }); // a process restart
 * ```
 */
export async function openMemoryStore(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
  return new MemoryStore(options.storage ?? new MemoryStorage());
}

/**
 * The in-memory Store that `openMemoryStore` answers. Exported from
 * `@edgeq/core/store` as a type only: it is opened, never constructed.
 */
export class MemoryStore implements Store {
  private closed = false;
  private failures: Array<Error> = [];

  /** @internal Use `openMemoryStore`. */
  constructor(
    /** The records it reads and writes, to open another store over them. */
    readonly storage: MemoryStorage,
  ) {}

  /** Makes the next `write` fail without applying anything, as a crashed disk would. */
  failNextWrite(error: Error = new Error("injected write failure")): void {
    this.failures.push(error);
  }

  async get(key: string): Promise<JsonValue | undefined> {
    this.assertOpen();
    const value = this.storage.namespaceOf(key).values.get(key);
    // Copies out as well as in, as every real store does: callers own what they read.
    return value === undefined ? undefined : structuredClone(value);
  }

  async scan(range: StoreRange): Promise<StoreEntry[]> {
    this.assertOpen();
    const { start, end } = rangeBounds(range);
    const limit = range.limit ?? Number.POSITIVE_INFINITY;
    const out: StoreEntry[] = [];
    if (limit <= 0) return out;
    // A range may span namespaces: visit them in key order.
    const names = [...this.storage.namespaces.keys()].sort();
    if (range.reverse) names.reverse();
    for (const ns of names) {
      const records = this.storage.namespaces.get(ns)!;
      const from = records.lowerBound(start);
      const to = end === undefined ? records.keys.length : records.lowerBound(end);
      if (range.reverse) {
        for (let i = to - 1; i >= from && out.length < limit; i--) {
          const key = records.keys[i]!;
          out.push([key, structuredClone(records.values.get(key)!)]);
        }
      } else {
        for (let i = from; i < to && out.length < limit; i++) {
          const key = records.keys[i]!;
          out.push([key, structuredClone(records.values.get(key)!)]);
        }
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  async write(ops: readonly StoreOp[]): Promise<void> {
    this.assertOpen();
    const failure = this.failures.shift();
    if (failure) throw failure;
    // Copy first, apply after: a value that cannot be cloned fails the whole batch.
    const copied = ops.map((op) =>
      op.type === "put" ? { ...op, value: structuredClone(op.value) } : op,
    );
    for (const op of copied) {
      if (op.type === "put") this.storage.namespaceOf(op.key).put(op.key, op.value);
      else if (op.type === "delete") this.storage.namespaceOf(op.key).delete(op.key);
      else this.deleteRange(op.start, op.end);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private deleteRange(start: string, end: string): void {
    // Two binary searches per namespace: cheap enough to not track which ones the range touches.
    for (const records of this.storage.namespaces.values()) records.deleteRange(start, end);
  }

  private assertOpen(): void {
    if (this.closed) throw new EdgeqError("closed", "store is closed");
  }
}
