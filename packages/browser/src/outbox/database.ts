import { type IDBPDatabase, openDB } from "idb";
import { fromIdbError } from "../store/idb-errors.js";
import type { RecordStoreName, RecordsDatabase } from "../store/idb-store.js";
import type { OutboxDatabaseOptions } from "./types.js";

/** The outbox's object store, prefixed so it never clashes with the app's own. */
export const OUTBOX_STORE = "edgeq_outbox" satisfies RecordStoreName;

/**
 * Opens the outbox's database: the app's schema (its `upgrade`) plus the
 * outbox's record store, created on first open. The outbox sees every store
 * as records (`RecordsDatabase`); the app sees its own untyped stores.
 */
export async function openOutboxDatabase(
  name: string,
  options: OutboxDatabaseOptions,
  onBlocking: () => void,
): Promise<{ records: RecordsDatabase; app: IDBPDatabase }> {
  const app = await openDB(name, options.version ?? 1, {
    upgrade(db, oldVersion, newVersion, tx) {
      options.upgrade?.(db, oldVersion, newVersion, tx);
      if (!db.objectStoreNames.contains(OUTBOX_STORE)) db.createObjectStore(OUTBOX_STORE);
    },
    // Another tab wants a newer schema: step aside instead of blocking it.
    blocking: onBlocking,
  }).catch((cause: unknown) => {
    throw fromIdbError(cause, `open ${name}`);
  });
  // One connection, two views: idb's schema types are compile-time only.
  return { records: app as unknown as RecordsDatabase, app };
}
