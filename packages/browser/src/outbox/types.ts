import type { BackoffOptions, FetchLike, TokenSource } from "@edgeq/core";
import type {
  DeliveredMessage,
  ErrorSummary,
  LocalDeadLetter,
  QueuedMessage,
  SyncState,
} from "@edgeq/core/durable";
import type { IDBPDatabase, IDBPTransaction } from "idb";
import type { IdbDurability } from "../store/idb-store.js";

/** The IndexedDB database the outbox lives in: its own, or the app's. */
export interface OutboxDatabaseOptions {
  /** Default `edgeq-outbox:<name>`. Give the app's own database to share transactions with it. */
  name?: string;
  /** The app's schema version (default 1); bump it to run `upgrade`. */
  version?: number;
  /** Creates the app's own object stores; the outbox creates its own beside them. */
  upgrade?(
    db: IDBPDatabase,
    oldVersion: number,
    newVersion: number | null,
    tx: IDBPTransaction<unknown, string[], "versionchange">,
  ): void;
}

/** Where an outbox delivers, and how it syncs. */
export interface OutboxOptions {
  /** The edge broker's origin, e.g. `https://queue.example.com`. */
  url: string;
  topic: string;
  /** A bearer token, or a function asked before each request (refreshed tokens). */
  token?: TokenSource;
  /** Identifies the outbox within the origin. Default `default`. */
  name?: string;
  database?: OutboxDatabaseOptions;
  /** IndexedDB durability of sends. Default `strict` (flushed to disk before `send` resolves). */
  durability?: IdbDurability;
  /** Messages per request. Default 100 (the protocol allows 1000). */
  batchSize?: number;
  /** Bytes of JSON per request, roughly. Default 1 MiB (the protocol allows 4 MiB). */
  maxBatchBytes?: number;
  /** Sync at least this often while something is pending. Default 30 s. */
  syncIntervalMs?: number;
  /** Retry pacing after failures. Default base 500 ms, at most 60 s. */
  backoff?: BackoffOptions;
  /**
   * How long a message may wait on this device to be sent (a message's own
   * `maxRetentionMs` overrides it), fixed at `send`. Past it, it is never
   * sent: it becomes a local dead letter with reason `expired` (a `failed`
   * event, `deadLetters()`). Default: no limit. Workbox's `maxRetentionTime`.
   */
  maxRetentionMs?: number;
  /** Start the sync loop (and compete for the sync lock) at once. Default true. */
  autoSync?: boolean;
  /** Ask the browser to keep this origin's storage (`navigator.storage.persist()`). */
  persist?: boolean;
  fetch?: FetchLike;
}

/** What `stats()` reports: counts from IndexedDB, state from the syncing tab. */
export interface OutboxStats {
  producerId: string;
  /** Durable in IndexedDB, not yet acknowledged by the broker (or dead-lettered). */
  pending: number;
  /** In the request on the wire right now (as last reported by the syncing tab). */
  inFlight: number;
  /** Acknowledged by the broker since the outbox was created. */
  acknowledged: number;
  deadLetters: number;
  state: SyncState;
  lastError: ErrorSummary | undefined;
  /** When a batch was last acknowledged. */
  lastSync: number | undefined;
  /** What `navigator.storage.persist()` answered, when the outbox asked (`persist: true`, `persist()`). */
  persisted: boolean | undefined;
  /** What the browser says of this origin's storage now. */
  storage: StorageReport;
}

/**
 * `navigator.storage.persisted()` and `estimate()`, read at `stats()`. Every
 * field is undefined where the browser has no StorageManager (WebKitGTK's
 * MiniBrowser here; Safari has one). Storage that is not persisted may be
 * evicted: under pressure everywhere, and by Safari after 7 days without a
 * visit unless the app is on the Home Screen (see the README).
 */
export interface StorageReport {
  persisted: boolean | undefined;
  /** Bytes this origin uses (all of it, not only the outbox). */
  usage: number | undefined;
  /** Bytes this origin may use before writes fail with `quota_exceeded`. */
  quota: number | undefined;
}

/** The events an Outbox dispatches; `detail` is typed per event. */
export interface OutboxEventMap {
  queued: CustomEvent<{ messages: QueuedMessage[] }>;
  acknowledged: CustomEvent<{ messages: DeliveredMessage[] }>;
  failed: CustomEvent<{ deadLetter: LocalDeadLetter }>;
  online: Event;
  offline: Event;
  syncstate: CustomEvent<{ state: SyncState; error?: ErrorSummary }>;
  /** `navigator.storage.persist()` answered. */
  persisted: CustomEvent<{ persisted: boolean }>;
}
