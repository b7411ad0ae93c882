import type {
  BackoffOptions,
  EdgeqErrorCode,
  FetchLike,
  JsonValue,
  MessageBody,
} from "@edgeq/core";
import type { IDBPDatabase, IDBPTransaction } from "idb";
import type { Durability } from "../store/idb-store.js";

/** Per-message options of `send`, mirroring PROTOCOL.md's produce fields. */
export interface OutboxSendOptions {
  /** Same key, same broker queue, in order. */
  key?: string;
  tags?: string[];
  headers?: Record<string, string>;
  /** Deliver no earlier than this long after the broker stores it. */
  delayMs?: number;
}

/** What `send` resolves with: the message is durable in IndexedDB. */
export interface SendReceipt {
  /** Stable id of the message in this outbox: `<producerId>:<seq>`. */
  id: string;
  producerId: string;
  seq: number;
  queuedAt: number;
}

/** The broker's answer for one message, once it is in the broker's log. */
export interface Delivered extends SendReceipt {
  status: "stored" | "duplicate";
  queueId: number;
  /** Absent only for a duplicate whose original aged out of the broker's producer window. */
  msgId?: string;
  /** Absent while a delayed message waits: the broker assigns it when the message becomes visible. */
  offset?: number;
}

/** A message the broker refused for good, kept locally with the reason. */
export interface OutboxDeadLetter {
  id: string;
  seq: number;
  body: MessageBody;
  options: OutboxSendOptions;
  queuedAt: number;
  failedAt: number;
  reason: { code: EdgeqErrorCode; message: string; status?: number };
}

export type SyncState =
  /** Nothing to send, or waiting for the next trigger. */
  | "idle"
  | "syncing"
  /** The last attempt failed; waiting out the backoff or `Retry-After`. */
  | "backoff"
  /** The broker refused the token (401/403): waiting for a new one. */
  | "paused"
  /** The browser reports no network. */
  | "offline"
  /** Another tab of this origin holds the sync lock; this one only writes. */
  | "standby"
  | "closed";

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
  lastError: { code: EdgeqErrorCode; message: string; at: number } | undefined;
  /** When a batch was last acknowledged. */
  lastSync: number | undefined;
}

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

export interface OutboxOptions {
  /** The edge broker's origin, e.g. `https://queue.example.com`. */
  url: string;
  topic: string;
  /** A bearer token, or a function asked before each request (refreshed tokens). */
  token?: string | (() => string | Promise<string>);
  /** Identifies the outbox within the origin. Default `default`. */
  name?: string;
  database?: OutboxDatabaseOptions;
  /** IndexedDB durability of sends. Default `strict` (flushed to disk before `send` resolves). */
  durability?: Durability;
  /** Messages per request. Default 100 (the protocol allows 1000). */
  batchSize?: number;
  /** Bytes of JSON per request, roughly. Default 1 MiB (the protocol allows 4 MiB). */
  maxBatchBytes?: number;
  /** Sync at least this often while something is pending. Default 30 s. */
  syncIntervalMs?: number;
  /** Retry pacing after failures. Default base 500 ms, at most 60 s. */
  backoff?: BackoffOptions;
  /** Start the sync loop (and compete for the sync lock) at once. Default true. */
  autoSync?: boolean;
  /** Ask the browser to keep this origin's storage (`navigator.storage.persist()`). */
  persist?: boolean;
  fetch?: FetchLike;
}

/** The events an Outbox dispatches; `detail` is typed per event. */
export interface OutboxEventMap {
  queued: CustomEvent<{ receipts: SendReceipt[] }>;
  acknowledged: CustomEvent<{ messages: Delivered[] }>;
  failed: CustomEvent<{ deadLetter: OutboxDeadLetter }>;
  online: Event;
  offline: Event;
  syncstate: CustomEvent<{ state: SyncState; error?: OutboxStats["lastError"] }>;
  /** `navigator.storage.persist()` answered. */
  persisted: CustomEvent<{ persisted: boolean }>;
}

export type { JsonValue };
