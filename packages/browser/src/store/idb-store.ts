import { EdgeqError, type JsonValue } from "@edgeq/core";
import {
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
  type StoreTransaction,
} from "@edgeq/core/store";
import { type DBSchema, type IDBPDatabase, openDB, type StoreNames } from "idb";
import { fromIdbError } from "./idb-errors.js";

/** `strict` waits for the OS to flush each write; `relaxed` acks once the browser has it. */
export type IdbDurability = "strict" | "relaxed";

/** One object store of records: string keys, JSON values. */
export type Records = { key: string; value: JsonValue };

/** The object stores edgeq keeps in a database: string keys, JSON values. */
export interface RecordsSchema extends DBSchema {
  /** `openIdbStore`'s default. */
  edgeq_kv: Records;
  /** The outbox's, beside the app's own stores. */
  edgeq_outbox: Records;
}

/** A database connection as the adapter sees it. */
export type RecordsDatabase = IDBPDatabase<RecordsSchema>;
/** The object stores edgeq may keep records in. */
export type RecordStoreName = StoreNames<RecordsSchema>;

/** An object store of records inside a readwrite transaction, the adapter's or the app's. */
export interface RecordsObjectStore {
  /** The record under `key`. */
  get(key: string): Promise<JsonValue | undefined>;
  /** Writes `value` under `key`. */
  put(value: JsonValue, key: string): Promise<unknown>;
  /** Deletes `key`, or every key in a range. */
  delete(key: string | IDBKeyRange): Promise<void>;
}

/** Options of `openIdbStore`. */
export interface IdbStoreOptions {
  /** Object store holding the records. Default `edgeq_kv`. */
  storeName?: RecordStoreName;
  /** Default `strict`: the engine acknowledges on `write`, so it should mean "on disk". */
  durability?: IdbDurability;
}

/**
 * The core's Store over one IndexedDB object store (out-of-line string keys,
 * JSON values). Thin by design: `write` is one readwrite transaction whose
 * requests are all issued before the first await, so it never goes inactive;
 * `transact` reads and writes in one transaction, which IndexedDB runs one at
 * a time per store across every tab of the origin.
 */
export class IdbStore implements Store {
  private closed = false;

  constructor(
    readonly db: RecordsDatabase,
    readonly storeName: RecordStoreName,
    readonly durability: IdbDurability,
  ) {}

  async get(key: string): Promise<JsonValue | undefined> {
    this.assertOpen();
    try {
      return await this.db.get(this.storeName, key);
    } catch (cause) {
      throw fromIdbError(cause, "read");
    }
  }

  async scan(range: StoreRange): Promise<StoreEntry[]> {
    this.assertOpen();
    const limit = range.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return [];
    const keyRange = toKeyRange(range);
    if (keyRange === null) return [];
    try {
      const tx = this.db.transaction(this.storeName, "readonly");
      if (!range.reverse) {
        // Two bulk reads beat a cursor by a wide margin, and one transaction keeps them consistent.
        const count = Number.isFinite(limit) ? limit : undefined;
        const [keys, values] = await Promise.all([
          tx.store.getAllKeys(keyRange, count),
          tx.store.getAll(keyRange, count),
        ]);
        return keys.map((k, i) => [k, values[i]!] as const);
      }
      const out: StoreEntry[] = [];
      let cursor = await tx.store.openCursor(keyRange, "prev");
      while (cursor && out.length < limit) {
        out.push([cursor.key, cursor.value]);
        cursor = await cursor.continue();
      }
      return out;
    } catch (cause) {
      throw fromIdbError(cause, "scan");
    }
  }

  write(ops: readonly StoreOp[]): Promise<void> {
    return this.transact(async (tx) => tx.write(ops));
  }

  async transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    this.assertOpen();
    let tx: { error?: DOMException | null } | undefined;
    let ended: Promise<unknown> = Promise.resolve();
    try {
      const writing = this.db.transaction(this.storeName, "readwrite", {
        durability: this.durability,
      });
      tx = writing;
      ended = settled(writing);
      const store = writing.objectStore(this.storeName);
      // A request that cannot be issued (a value structured clone rejects) throws without
      // aborting: the requests before it would commit. Abort, so nothing of the write applies.
      const result = await fn(this.within(store)).catch((error: unknown) => abort(writing, error));
      // A failed request aborts the transaction; `done` then rejects and nothing was applied.
      await writing.done;
      return result;
    } catch (cause) {
      await ended;
      throw fromIdbError(reasonOf(cause, tx), "write");
    }
  }

  /** The store as seen inside a transaction the caller owns: its object store `storeName`. */
  within(store: RecordsObjectStore): StoreTransaction {
    return {
      get: (key) => store.get(key),
      write: (ops) => {
        for (const op of ops) {
          if (op.type === "deleteRange" && op.start >= op.end) continue;
          const request =
            op.type === "put"
              ? store.put(op.value, op.key)
              : store.delete(
                  op.type === "delete" ? op.key : IDBKeyRange.bound(op.start, op.end, false, true),
                );
          // The transaction reports the outcome; when it aborts, every request rejects too.
          request.catch(() => undefined);
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new EdgeqError("closed", "store is closed");
  }
}

/** Aborts `tx` unless it already ended (a failed request aborts it by itself), then rethrows `error`. */
export async function abort(
  tx: { abort(): void; done: Promise<void>; error?: DOMException | null },
  error: unknown,
  ended?: Promise<unknown>,
): Promise<never> {
  try {
    tx.abort();
  } catch {
    // Already finished or aborted: the outcome we want.
  }
  await tx.done.catch(() => undefined);
  await ended;
  throw reasonOf(error, tx);
}

/**
 * The transaction's end, abort or complete. idb's `done` rejects at the failed
 * request's error event, before the abort event that sets the transaction's
 * error in Firefox: the real reason is known only after this.
 */
export function settled(tx: Pick<EventTarget, "addEventListener">): Promise<unknown> {
  return new Promise((resolve) => {
    for (const type of ["abort", "complete"]) tx.addEventListener(type, resolve, { once: true });
  });
}

/**
 * Firefox fails a request with AbortError (and idb's `done` with AbortError,
 * when it rejects before the abort) while the reason, QuotaExceededError, is
 * on the transaction (measured; Chromium fails the request with the reason):
 * the transaction's own error says why, where it has one.
 */
export function reasonOf(error: unknown, tx: { error?: DOMException | null } | undefined): unknown {
  const isAbort = error instanceof DOMException && error.name === "AbortError";
  return isAbort && tx?.error ? tx.error : error;
}

/**
 * Opens (creating if needed) a database holding one record store.
 * When another tab upgrades or deletes the database, this connection closes
 * itself rather than blocking that tab forever.
 */
export async function openIdbStore(
  databaseName: string,
  options: IdbStoreOptions = {},
): Promise<IdbStore> {
  const storeName = options.storeName ?? "edgeq_kv";
  let store: IdbStore | undefined;
  const db = await openDB<RecordsSchema>(databaseName, 1, {
    upgrade(database) {
      if (!database.objectStoreNames.contains(storeName)) database.createObjectStore(storeName);
    },
    blocking() {
      void store?.close();
    },
  }).catch((cause: unknown) => {
    throw fromIdbError(cause, `open ${databaseName}`);
  });
  store = new IdbStore(db, storeName, options.durability ?? "strict");
  return store;
}

function toKeyRange(range: StoreRange): IDBKeyRange | null | undefined {
  const { start, end } = rangeBounds(range);
  if (end !== undefined && end <= start) return null;
  if (end === undefined) return start === "" ? undefined : IDBKeyRange.lowerBound(start);
  return IDBKeyRange.bound(start, end, false, true);
}
