import type { MessageBody } from "@edgeq/core";
import { type IDBPDatabase, openDB } from "idb";
import { fromIdbError, settled } from "../store/idb-errors.js";
import type { OutboxDatabaseOptions, OutboxDeadLetter, OutboxSendOptions } from "./types.js";

/** The outbox's object stores, prefixed so they never clash with the app's own. */
export const META = "edgeq_outbox_meta";
export const LOG = "edgeq_outbox_log";
export const DEAD = "edgeq_outbox_dead";

/** One message in the local commitlog. */
export interface LoggedMessage {
  seq: number;
  body: MessageBody;
  options: OutboxSendOptions;
  queuedAt: number;
}

/**
 * A log record packs every message of one group commit: IndexedDB's cost is
 * per record and per transaction, not per byte, so packing is what makes
 * concurrent sends fast (RocketMQ packs its commitlog into segments alike).
 * Keyed by its first seq; its seqs are consecutive.
 */
export interface LogRecord {
  first: number;
  messages: LoggedMessage[];
}

/** `meta/producer`: who this outbox is to the broker, and the next seq to hand out. */
export interface ProducerMeta {
  producerId: string;
  nextSeq: number;
}

/** `meta/progress`: every seq <= `doneSeq` is acknowledged or dead-lettered. */
export interface ProgressMeta {
  doneSeq: number;
  acknowledged: number;
  deadLetters: number;
  lastSync?: number;
}

export type DeadRecord = OutboxDeadLetter;

export const INITIAL_PROGRESS: ProgressMeta = { doneSeq: 0, acknowledged: 0, deadLetters: 0 };

/**
 * Opens the outbox's database: the app's schema (its `upgrade`) plus the
 * outbox's stores, created on first open. The producer id is minted here, in
 * the version-change transaction, so two tabs opening at once agree on it.
 */
export async function openOutboxDatabase(
  name: string,
  options: OutboxDatabaseOptions,
  onBlocking: () => void,
): Promise<IDBPDatabase> {
  return openDB(name, options.version ?? 1, {
    upgrade(db, oldVersion, newVersion, tx) {
      options.upgrade?.(db, oldVersion, newVersion, tx as never);
      if (!db.objectStoreNames.contains(META)) {
        db.createObjectStore(META);
        const producer: ProducerMeta = { producerId: `ob-${crypto.randomUUID()}`, nextSeq: 1 };
        settled(tx.objectStore(META).put(producer, "producer"));
        settled(tx.objectStore(META).put(INITIAL_PROGRESS, "progress"));
      }
      if (!db.objectStoreNames.contains(LOG)) db.createObjectStore(LOG);
      if (!db.objectStoreNames.contains(DEAD)) db.createObjectStore(DEAD);
    },
    // Another tab wants a newer schema: step aside instead of blocking it.
    blocking: onBlocking,
  }).catch((cause: unknown) => {
    throw fromIdbError(cause, `open ${name}`);
  });
}

export function messageId(producerId: string, seq: number): string {
  return `${producerId}:${seq}`;
}
