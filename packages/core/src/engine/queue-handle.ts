import type {
  DeadLetter,
  GroupQueueStats,
  LeasedMessage,
  Message,
  QueueStats,
  ReadResult,
  SendResult,
  TransactionAction,
  TransactionInfo,
} from "../model.js";
import type { GroupSettings } from "./group-settings.js";
import type { HistorySample } from "./history.js";
import type { BlockedKey, ReceiveParams } from "./leases.js";
import type { ProducerScope } from "./producer-scope.js";
import type { TransactionFilter } from "./transactions.js";
import type { NormalizedAppend } from "./validate.js";

/** A queue's stats and every group's stats on it, taken at one moment. */
export interface QueueSnapshot {
  queue: QueueStats;
  groups: Record<string, GroupQueueStats>;
}

/**
 * A read by offset whose messages are each the JSON text of their wire form:
 * what an HTTP host answers as it is (`QueueHandle.readWire`).
 */
export interface WireRead extends Omit<ReadResult, "messages"> {
  /** One JSON text per message, as `JSON.stringify(messageToWire(message))` would write it. */
  lines: string[];
}

/** How long a read or receive may wait for something to arrive. */
export interface WaitOptions {
  /** Long-poll: wait up to this long for something to arrive. Default 0. */
  waitMs?: number;
  /** Ends the wait early (the call then answers with what it has). */
  signal?: AbortSignal;
}

/** A value, or a promise of one: a QueueHandle in process may answer at once. */
export type Awaitable<T> = T | Promise<T>;

/**
 * One topic queue as the TopicRouter sees it: a `QueueEngine` in this process,
 * or the Worker's stub of a Durable Object that runs one. The router awaits
 * every call, so its logic is written once for both.
 */
export interface QueueHandle {
  readonly queueId: number;
  /** Appends a validated batch; each (producerId, seq) is stored once. */
  append(batch: NormalizedAppend): Promise<SendResult[]>;
  /** Reads from offset `from`, long-polling up to `wait.waitMs` while nothing is there yet. */
  read(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait?: WaitOptions,
  ): Promise<ReadResult>;
  /** `read`, each message as the JSON text of its wire form (`messageToWire`). */
  readWire(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait?: WaitOptions,
  ): Promise<WireRead>;
  /** The group's committed offset; undefined until it committed or leased anything. */
  committedOffset(group: string): Awaitable<number | undefined>;
  /** Commits a pull consumer's offset; never backwards unless `reset`. Answers the committed offset. */
  commitOffset(group: string, offset: number, reset: boolean): Promise<number>;
  /** Leases messages, long-polling up to `wait.waitMs` while none is receivable. */
  receive(group: string, params: ReceiveParams, wait?: WaitOptions): Promise<LeasedMessage[]>;
  /** `receive`, each leased message as the JSON text of its wire form (`messageToWire`). */
  receiveWire(group: string, params: ReceiveParams, wait?: WaitOptions): Promise<string[]>;
  /** Settles leased messages for good. */
  ack(group: string, receipts: string[]): Promise<void>;
  /** Gives leased messages back to the retry schedule (or after `delayMs`). */
  nack(group: string, receipts: string[], delayMs?: number): Promise<void>;
  /** Extends the leases of `receipts` to `visibilityMs` from now. */
  extend(group: string, receipts: string[], visibilityMs: number): Promise<void>;
  /** A pull consumer's failed message, sent to the group's retry schedule. */
  sendBack(group: string, offset: number, delayMs?: number): Promise<void>;
  /** The group's dead letters, oldest first. */
  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]>;
  /** Moves up to `limit` dead letters (only `msgIds`, when given) back to the retry schedule. */
  redrive(group: string, limit: number, msgIds?: string[]): Promise<number>;
  /** Deletes up to `limit` dead letters (only `msgIds`, when given) for good. */
  discardDeadLetters(group: string, limit: number, msgIds?: string[]): Promise<number>;
  /** The group's flow keys holding messages back on this queue, most waiting first. */
  blockedKeys(group: string, limit: number): Promise<BlockedKey[]>;
  /** The group's settings on this queue (`{}`: defaults). */
  groupSettings(group: string): Promise<GroupSettings>;
  /** Replaces the group's settings on this queue. */
  setGroupSettings(group: string, settings: GroupSettings): Promise<void>;
  /** Skips the group's backlog on this queue; answers how many messages it skipped. */
  purgeGroup(group: string): Promise<number>;
  /** Deletes every message of the queue; answers how many. */
  purge(): Promise<number>;
  /** Forgets the group on this queue: offsets, leases, retries, dead letters. Answers whether it was known. */
  deleteGroup(group: string): Promise<boolean>;
  /** One message by msgId; `not_found` when absent. */
  getMessage(msgId: string): Promise<Message>;
  /** Messages with `key`, oldest first, optionally within a `producedAt` window. */
  queryByKey(key: string, limit: number, from?: number, to?: number): Promise<Message[]>;
  /** Offsets, sizes and per-group state of the queue, for stats. */
  snapshot(): Awaitable<QueueSnapshot>;
  /**
   * The queue's per-minute samples from minute `fromMinute` on, oldest
   * first, ending with one of the live state (history.ts). Optional: a
   * handle without it has no history to give.
   */
  history?(fromMinute: number): Promise<HistorySample[]>;
  /** The first offset whose message was produced at or after `at` (ms); the head when none was. */
  offsetAt(at: number): Promise<number>;
  /** Stores half messages of transaction `txId`: invisible until committed. */
  appendHalf(txId: string, batch: NormalizedAppend): Promise<SendResult[]>;
  /** Commits or rolls back this queue's part of transaction `txId`. */
  endTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check",
    scope?: ProducerScope,
  ): Promise<TransactionInfo>;
  /** Undecided transactions (only those being checked back, with `checkedOnly`; only the scope's, with `scope`). */
  listTransactions(filter: TransactionFilter): Awaitable<TransactionInfo[]>;
}

/** A QueueHandle's calls: everything but its `queueId`. */
export type QueueVerb = Exclude<keyof QueueHandle, "queueId">;

/**
 * Every QueueHandle call by name, so a host can serve them all through one
 * generic stub (the edge broker's `durableQueue`). The check below fails to
 * compile when a call is added to QueueHandle and not here.
 */
export const QUEUE_VERBS = [
  "append",
  "read",
  "readWire",
  "committedOffset",
  "commitOffset",
  "receive",
  "receiveWire",
  "ack",
  "nack",
  "extend",
  "sendBack",
  "listDeadLetters",
  "redrive",
  "discardDeadLetters",
  "blockedKeys",
  "groupSettings",
  "setGroupSettings",
  "purgeGroup",
  "purge",
  "deleteGroup",
  "getMessage",
  "queryByKey",
  "snapshot",
  "history",
  "offsetAt",
  "appendHalf",
  "endTransaction",
  "listTransactions",
] as const satisfies readonly QueueVerb[];

const everyVerbListed: [Exclude<QueueVerb, (typeof QUEUE_VERBS)[number]>] extends [never]
  ? true
  : never = true;
void everyVerbListed;
