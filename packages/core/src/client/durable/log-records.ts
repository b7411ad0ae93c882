import type { EdgeqErrorCode } from "../../errors.js";
import type { JsonValue, MessageBody, OutgoingMessage } from "../../model.js";
import { encodeNum } from "../../store/keys.js";
import { base64ToBytes } from "../../util/bytes.js";

/** Per-message options a durable producer keeps until the broker has the message. */
export interface DurableSendOptions {
  /** Same key, same broker queue, in order. */
  key?: string;
  tags?: string[];
  headers?: Record<string, string>;
  /** Deliver no earlier than this long after the broker stores it. */
  delayMs?: number;
  /**
   * Never send it later than this long after `send` (overrides the
   * producer's `maxRetentionMs`): past it, the message becomes a local dead
   * letter with reason `expired` instead of going out late.
   */
  maxRetentionMs?: number;
}

/** What `send` resolves with: the message is durable in the local log. */
export interface QueuedMessage {
  /** Stable id of the message in this producer: `<producerId>:<seq>`. */
  id: string;
  producerId: string;
  seq: number;
  queuedAt: number;
}

/** The broker's answer for one message, once it is in the broker's log. */
export interface DeliveredMessage extends QueuedMessage {
  status: "stored" | "duplicate";
  queueId: number;
  /** Absent only for a duplicate whose original aged out of the broker's producer window. */
  msgId?: string;
  /** Absent while a delayed message waits: the broker assigns it when the message becomes visible. */
  offset?: number;
}

/** Why something failed, in a form that survives `structuredClone` and JSON (errors do neither well). */
export interface ErrorSummary {
  code: EdgeqErrorCode;
  message: string;
  at: number;
  /** The HTTP status, when the broker answered with one. */
  status?: number;
}

/** A message the broker refused for good, kept in the producer's store with the reason. */
export interface LocalDeadLetter extends QueuedMessage {
  body: MessageBody;
  options: DurableSendOptions;
  failedAt: number;
  reason: ErrorSummary;
}

/**
 * The broker's answers for one acknowledged batch, kept a while so an app can
 * look up what became of a message it sent (its `msgId` and `offset`). Keyed
 * by its first seq; its seqs are consecutive.
 */
export interface AckRecord {
  at: number;
  messages: DeliveredMessage[];
}

/** `producer`: who this producer is to the broker, and the next seq to hand out. */
export interface ProducerRecord {
  producerId: string;
  nextSeq: number;
}

/** `progress`: every seq up to `doneSeq` is acknowledged or dead-lettered. */
export interface ProgressRecord {
  doneSeq: number;
  acknowledged: number;
  deadLetters: number;
  lastSync?: number;
}

/** A new producer's progress: nothing handled yet. */
export const INITIAL_PROGRESS: ProgressRecord = { doneSeq: 0, acknowledged: 0, deadLetters: 0 };

/** One message in the local log, validated; bytes are kept as base64 (stores hold JSON). */
export interface LogEntry extends DurableSendOptions {
  body: JsonValue;
  bytes?: true;
  /** When it expires (ms since the epoch): `queuedAt` plus its retention, fixed at `send`. */
  expiresAt?: number;
}

/**
 * A log record packs every message of one group commit: a store's cost is
 * per record and per transaction, not per byte, so packing is what makes
 * concurrent sends fast (RocketMQ packs its commitlog into segments alike).
 * Keyed by its first seq; its seqs are consecutive.
 */
export interface LogRecord {
  first: number;
  queuedAt: number;
  messages: LogEntry[];
}

/** A logged message with its seq: what the sync loop sends. */
export interface PendingMessage extends LogEntry {
  seq: number;
  queuedAt: number;
}

/** Where a durable producer keeps its records, under one prefix of the store. */
export class ProducerKeys {
  readonly producer: string;
  readonly progress: string;
  readonly logPrefix: string;
  readonly deadPrefix: string;
  readonly ackedPrefix: string;

  constructor(name: string) {
    this.ackedPrefix = `${name}|acked|`;
    this.producer = `${name}|producer`;
    this.progress = `${name}|progress`;
    this.logPrefix = `${name}|log|`;
    this.deadPrefix = `${name}|dead|`;
  }

  log(first: number): string {
    return this.logPrefix + encodeNum(first);
  }

  dead(seq: number): string {
    return this.deadPrefix + encodeNum(seq);
  }

  acked(first: number): string {
    return this.ackedPrefix + encodeNum(first);
  }
}

/** The id `send` hands out for a message: stable before the broker has seen it. */
export function messageId(producerId: string, seq: number): string {
  return `${producerId}:${seq}`;
}

/** The options of an entry as the app gave them, without the fields that are absent. */
export function optionsOf(entry: DurableSendOptions): DurableSendOptions {
  const { maxRetentionMs } = entry;
  return {
    ...wireOptionsOf(entry),
    ...(maxRetentionMs === undefined ? {} : { maxRetentionMs }),
  };
}

/** The options the broker gets (retention is the producer's to enforce, before sending). */
function wireOptionsOf({ key, tags, headers, delayMs }: DurableSendOptions): DurableSendOptions {
  return {
    ...(key === undefined ? {} : { key }),
    ...(tags === undefined ? {} : { tags }),
    ...(headers === undefined ? {} : { headers }),
    ...(delayMs === undefined ? {} : { delayMs }),
  };
}

/** Whether a logged message's expiry has passed at `now`. */
export function isExpired(entry: LogEntry, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

export function bodyOf(entry: { body: JsonValue; bytes?: true }): MessageBody {
  return entry.bytes ? base64ToBytes(entry.body as string) : entry.body;
}

/** A logged message as the Transport sends it (bytes back to bytes). */
export function toOutgoing(message: PendingMessage): OutgoingMessage {
  return {
    seq: message.seq,
    body: bodyOf(message),
    ...wireOptionsOf(message),
    // The broker honours it too: never delivered after it, even once stored.
    ...(message.expiresAt === undefined ? {} : { expiresAt: message.expiresAt }),
  };
}

/** A stored dead letter: the body as the log kept it. */
export type DeadRecord = Omit<LocalDeadLetter, "body"> & { body: JsonValue; bytes?: true };

/** A refused message as its dead-letter record. */
export function toDeadRecord(
  message: PendingMessage,
  producerId: string,
  reason: ErrorSummary,
): DeadRecord {
  return {
    id: messageId(producerId, message.seq),
    producerId,
    seq: message.seq,
    queuedAt: message.queuedAt,
    failedAt: reason.at,
    reason,
    body: message.body,
    ...(message.bytes ? { bytes: true as const } : {}),
    options: optionsOf(message),
  };
}

/** A dead-letter record as the app sees it (bytes back to bytes). */
export function fromDeadRecord({ bytes, ...record }: DeadRecord): LocalDeadLetter {
  return { ...record, body: bodyOf({ body: record.body, ...(bytes ? { bytes } : {}) }) };
}
