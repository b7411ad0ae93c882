import {
  EdgeqError,
  type JsonValue,
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
} from "@edgeq/core";
import { type IDBPDatabase, openDB } from "idb";
import { fromIdbError } from "./idb-errors.js";

/** `strict` waits for the OS to flush each write; `relaxed` acks once the browser has it. */
export type Durability = "strict" | "relaxed";

export interface IdbStoreOptions {
  /** Object store holding the records. Default `edgeq_kv`. */
  storeName?: string;
  /** Default `strict`: the engine acknowledges on `write`, so it should mean "on disk". */
  durability?: Durability;
}

/**
 * The core's Store over one IndexedDB object store (out-of-line string keys,
 * JSON values). Thin by design: `write` is one readwrite transaction whose
 * requests are all issued before the first await, so it never goes inactive.
 */
export class IdbStore implements Store {
  private closed = false;

  constructor(
    readonly db: IDBPDatabase,
    private readonly storeName: string,
    private readonly durability: Durability,
  ) {}

  async get(key: string): Promise<JsonValue | undefined> {
    this.assertOpen();
    try {
      return (await this.db.get(this.storeName, key)) as JsonValue | undefined;
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
        return keys.map((k, i) => [k as string, values[i] as JsonValue] as const);
      }
      const out: StoreEntry[] = [];
      let cursor = await tx.store.openCursor(keyRange, "prev");
      while (cursor && out.length < limit) {
        out.push([cursor.key as string, cursor.value as JsonValue]);
        cursor = await cursor.continue();
      }
      return out;
    } catch (cause) {
      throw fromIdbError(cause, "scan");
    }
  }

  async write(ops: readonly StoreOp[]): Promise<void> {
    this.assertOpen();
    if (ops.length === 0) return;
    try {
      const tx = this.db.transaction(this.storeName, "readwrite", {
        durability: this.durability,
      });
      const pending: Array<Promise<unknown>> = [];
      try {
        for (const op of ops) {
          if (op.type === "put") pending.push(tx.store.put(op.value, op.key));
          else if (op.type === "delete") pending.push(tx.store.delete(op.key));
          else if (op.start < op.end)
            pending.push(tx.store.delete(IDBKeyRange.bound(op.start, op.end, false, true)));
        }
      } catch (error) {
        // A request that cannot even be issued (a value structured clone rejects)
        // throws here without aborting the transaction: the requests issued before
        // it would commit. Abort, so the write applies none of its ops.
        tx.abort();
        await Promise.all([...pending, tx.done].map((p) => p.catch(() => undefined)));
        throw error;
      }
      // A failed request aborts the transaction; `done` then rejects and nothing was applied.
      await Promise.all([...pending.map((p) => p.catch(() => undefined)), tx.done]);
    } catch (cause) {
      throw fromIdbError(cause, "write");
    }
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
  const db = await openDB(databaseName, 1, {
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
