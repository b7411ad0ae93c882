import { DEFAULT_TOPIC_CONFIG } from "../../engine/config.js";
import { GroupCommitter } from "../../engine/group-commit.js";
import { assertIntInRange, isPlainObject, normalizeAppend } from "../../engine/validate.js";
import type { JsonValue, MessageBody } from "../../model.js";
import {
  prefixEnd,
  type Store,
  type StoreOp,
  type StoreTransaction,
  transact,
} from "../../store/store.js";
import { withTraceContext } from "../trace.js";
import {
  type AckRecord,
  type DeadRecord,
  type DeliveredMessage,
  type DurableSendOptions,
  fromDeadRecord,
  INITIAL_PROGRESS,
  type LocalDeadLetter,
  type LogEntry,
  type LogRecord,
  messageId,
  type PendingMessage,
  type ProducerKeys,
  type ProducerRecord,
  type ProgressRecord,
  type QueuedMessage,
} from "./log-records.js";

/** The messages a durable producer's broker refused for good. */
export interface LocalDeadLetters {
  /** Oldest first, with the reason. Default limit 100. */
  list(limit?: number): Promise<LocalDeadLetter[]>;
  /** Removes the ones the app has dealt with. */
  discard(seqs: readonly number[]): Promise<void>;
}

/** A message to send, with its options. */
export type DurableSend = { body: MessageBody } & DurableSendOptions;

/** What the broker did with a prefix of the pending messages. */
export interface Completion {
  /** Every seq up to this one is handled. */
  doneSeq: number;
  acknowledged: number;
  deadLetters: DeadRecord[];
  at: number;
  /** The broker's answers for the acknowledged ones, kept for status lookups. */
  delivered?: DeliveredMessage[];
}

/**
 * The broker's own validation (the core's `normalizeAppend`), run before a
 * message is accepted: a message that can never be delivered (a Date body,
 * a bad tag, 200 KiB) is refused by `send` with the broker's error code,
 * instead of being queued and dead-lettered later. Batch limits do not apply
 * here; the sync loop cuts its own batches.
 */
const LOCAL_CHECK = {
  ...DEFAULT_TOPIC_CONFIG,
  maxBatchMessages: Number.MAX_SAFE_INTEGER,
  maxBatchBytes: Number.MAX_SAFE_INTEGER,
};

function validate(
  sent: readonly DurableSend[],
  now: number,
  defaultRetentionMs: number | undefined,
): LogEntry[] {
  // The sender's trace context, read now (the send's turn) and kept with the message;
  // a message that is no plain object (a class instance) is taken as its own fields.
  const messages = sent.map((m) => withTraceContext(isPlainObject(m) ? m : { ...m }));
  // `maxRetentionMs` is the producer's own option, never sent: validation reads only the fields it knows.
  const normalized = normalizeAppend({ messages }, LOCAL_CHECK, now).messages;
  // Assigned, not spread: a burst of sends builds one entry each, and every spread is an object.
  return messages.map(({ body, key, tags, headers, delayMs, maxRetentionMs }, i) => {
    if (maxRetentionMs !== undefined)
      assertIntInRange(`messages[${i}].maxRetentionMs`, maxRetentionMs, 1, Number.MAX_SAFE_INTEGER);
    const retention = maxRetentionMs ?? defaultRetentionMs;
    const { bytes, body: base64 } = normalized[i]!;
    // Bytes as the base64 validation wrote; a JSON body as the value sent, which it checked.
    const entry: LogEntry = { body: bytes ? base64! : (body as JsonValue) };
    if (bytes) entry.bytes = true;
    if (key !== undefined) entry.key = key;
    if (tags !== undefined) entry.tags = [...tags];
    if (headers !== undefined) entry.headers = { ...headers };
    if (delayMs !== undefined) entry.delayMs = delayMs;
    if (maxRetentionMs !== undefined) entry.maxRetentionMs = maxRetentionMs;
    if (retention !== undefined) entry.expiresAt = now + retention;
    return entry;
  });
}

/**
 * An append being written inside a transaction: `add` hands out seqs at
 * once (the transactional outbox returns them to the app's callback), and
 * `finish` queues the one log record and the new seq into the transaction.
 */
export interface LogAppend {
  /** Validates and numbers `messages`; throws before anything is queued when one is invalid. */
  add(messages: readonly DurableSend[]): QueuedMessage[];
  /** Queues the log record and the new next seq into the transaction; call once, after the last `add`. */
  finish(): void;
}

/**
 * A durable producer's local commitlog over any `Store`: the producer
 * record (id, next seq), packed log records, progress and dead letters.
 * Appends read the producer record inside their own transaction, so several
 * writers over one storage (tabs over one IndexedDB) keep seqs dense and
 * strictly increasing without a lock.
 */
export class ProducerLog {
  private readonly committer: GroupCommitter<LogEntry, QueuedMessage>;
  /**
   * The next pending messages, read ahead of the sync loop: one record holds
   * a whole group commit (thousands of messages for an app that was offline),
   * so it is read once, not once per batch. Appends only add higher seqs, so
   * it stays a prefix of what is pending.
   */
  private readonly readAhead: PendingMessage[] = [];
  /** Key and last seq of each record the read-ahead came through, oldest first. */
  private readonly spans: Array<{ key: string; last: number }> = [];
  /** The last seq read into the read-ahead. */
  private readThrough = 0;

  constructor(
    readonly store: Store,
    readonly keys: ProducerKeys,
    readonly producerId: string,
    private readonly now: () => number,
    /** Keep the broker's answers for about this many of the latest seqs (at least 1). */
    private readonly keepAcknowledged = 500,
    /** How long a message may wait to be sent, unless it says otherwise. Default: forever. */
    private readonly maxRetentionMs?: number,
  ) {
    this.committer = new GroupCommitter((entries) =>
      transact(store, async (tx) => {
        const append = await this.beginAppend(tx);
        const queued = append.addValidated(entries);
        append.finish();
        return queued;
      }),
    );
  }

  /** Reads the producer record, minting the producer id on first use. */
  static async identity(store: Store, keys: ProducerKeys, mint: () => string): Promise<string> {
    return transact(store, async (tx) => {
      const found = (await tx.get(keys.producer)) as unknown as ProducerRecord | undefined;
      if (found) return found.producerId;
      const producer: ProducerRecord = { producerId: mint(), nextSeq: 1 };
      tx.write([
        { type: "put", key: keys.producer, value: { ...producer } },
        { type: "put", key: keys.progress, value: { ...INITIAL_PROGRESS } },
      ]);
      return producer.producerId;
    });
  }

  /** Validates, then appends with every send of the same tick in one record and one write. */
  async append(messages: readonly DurableSend[]): Promise<QueuedMessage[]> {
    return this.committer.commit(validate(messages, this.now(), this.maxRetentionMs));
  }

  /** Starts an append inside a transaction the caller owns (the transactional outbox). */
  async beginAppend(
    tx: StoreTransaction,
  ): Promise<LogAppend & { addValidated(entries: LogEntry[]): QueuedMessage[] }> {
    const producer = (await tx.get(this.keys.producer)) as unknown as ProducerRecord;
    const queuedAt = this.now();
    const entries: LogEntry[] = [];
    const addValidated = (more: LogEntry[]): QueuedMessage[] => {
      const first = producer.nextSeq + entries.length;
      entries.push(...more);
      return more.map((_, i) => ({
        id: messageId(this.producerId, first + i),
        producerId: this.producerId,
        seq: first + i,
        queuedAt,
      }));
    };
    return {
      addValidated,
      add: (messages) => addValidated(validate(messages, queuedAt, this.maxRetentionMs)),
      finish: () => {
        if (entries.length === 0) return;
        const first = producer.nextSeq;
        const record: LogRecord = { first, queuedAt, messages: entries };
        tx.write([
          { type: "put", key: this.keys.log(first), value: record as unknown as JsonValue },
          {
            type: "put",
            key: this.keys.producer,
            value: { producerId: producer.producerId, nextSeq: first + entries.length },
          },
        ]);
      },
    };
  }

  /**
   * Up to `max` messages after the last handled one, in seq order, within
   * about `maxBytes` of JSON. `after`, when set, is the seq of an answer whose
   * completion is being written: the messages start after it, and progress
   * is not read (a read would wait for that write).
   */
  async pending(max: number, maxBytes: number, after = 0): Promise<PendingMessage[]> {
    const handled = after > 0 ? after : (await this.progress()).doneSeq;
    this.forget(handled);
    if (this.readAhead.length < max) await this.readMore(handled, max);
    const out: PendingMessage[] = [];
    let bytes = 0;
    for (const message of this.readAhead) {
      const size = approximateSize(message);
      // Always take one, however big: the broker is the judge of its size.
      if (out.length > 0 && (out.length >= max || bytes + size > maxBytes)) break;
      out.push(message);
      bytes += size;
    }
    return out;
  }

  /** Reads the records after those already read until the read-ahead holds `max` messages or the log ends. */
  private async readMore(doneSeq: number, max: number): Promise<void> {
    const next = Math.max(this.readThrough, doneSeq) + 1;
    // Fully handled records are deleted on completion, so the log's first record holds doneSeq + 1.
    const after = this.spans.at(-1)?.key;
    let start = after === undefined ? this.keys.logPrefix : `${after}\0`;
    const end = prefixEnd(this.keys.logPrefix);
    while (this.readAhead.length < max) {
      const records = await this.store.scan({ start, end, limit: READ_RECORDS });
      for (const [key, value] of records) {
        const record = value as unknown as LogRecord;
        const last = record.first + record.messages.length - 1;
        if (last < next) continue;
        this.spans.push({ key, last });
        this.readThrough = last;
        for (const [i, entry] of record.messages.entries()) {
          const seq = record.first + i;
          if (seq >= next) this.readAhead.push({ ...entry, seq, queuedAt: record.queuedAt });
        }
      }
      if (records.length < READ_RECORDS) return;
      start = `${records.at(-1)![0]}\0`;
    }
  }

  /** Forgets the read-ahead: the next `pending` reads the log from the stored progress. */
  rewind(): void {
    this.readAhead.length = 0;
    this.spans.length = 0;
    this.readThrough = 0;
  }

  /** Drops what the read-ahead holds at or below `doneSeq` (handled, here or by another tab). */
  private forget(doneSeq: number): void {
    const kept = this.readAhead.findIndex((m) => m.seq > doneSeq);
    this.readAhead.splice(0, kept < 0 ? this.readAhead.length : kept);
  }

  /** Records what the broker did with a prefix of the pending messages, and frees their space. */
  async complete(done: Completion): Promise<boolean> {
    // A record is deleted with the progress that spends its last message, so
    // the ones this completion spends are among those the read-ahead came through.
    const count = this.spans.findIndex((span) => span.last > done.doneSeq);
    const spans = this.spans.slice(0, count < 0 ? this.spans.length : count);
    const spent = spans.map(({ key }): StoreOp => ({ type: "delete", key }));
    // A completion may answer more than `keepAcknowledged` messages: its record keeps the latest.
    const kept = done.delivered?.slice(-this.keepAcknowledged);
    // Only once written: a failed write leaves them pending, to send again.
    const written = await transact(this.store, async (tx) => {
      const progress = ((await tx.get(this.keys.progress)) ??
        INITIAL_PROGRESS) as unknown as ProgressRecord;
      // Another writer completed this range already (a takeover raced a late answer).
      if (done.doneSeq <= progress.doneSeq) return false;
      const next: ProgressRecord = {
        doneSeq: done.doneSeq,
        acknowledged: progress.acknowledged + done.acknowledged,
        deadLetters: progress.deadLetters + done.deadLetters.length,
        lastSync: done.at,
      };
      tx.write([
        { type: "put", key: this.keys.progress, value: { ...next } },
        ...done.deadLetters.map(
          (dead): StoreOp => ({
            type: "put",
            key: this.keys.dead(dead.seq),
            value: dead as unknown as JsonValue,
          }),
        ),
        ...spent,
        // The broker's answers, for status lookups: about the latest `keepAcknowledged`
        // (this completion's, then older records' until they age out, dropped whole).
        ...(kept?.length
          ? [
              {
                type: "put",
                key: this.keys.acked(kept[0]!.seq),
                value: { at: done.at, messages: kept } as AckRecord as never,
              } as const,
              {
                type: "deleteRange",
                start: this.keys.ackedPrefix,
                end: this.keys.acked(done.doneSeq - this.keepAcknowledged),
              } as const,
            ]
          : []),
      ]);
      return true;
    });
    this.spans.splice(0, spans.length);
    this.forget(done.doneSeq);
    return written;
  }

  async producer(): Promise<ProducerRecord> {
    return (await this.store.get(this.keys.producer)) as unknown as ProducerRecord;
  }

  async progress(): Promise<ProgressRecord> {
    return ((await this.store.get(this.keys.progress)) ??
      INITIAL_PROGRESS) as unknown as ProgressRecord;
  }

  readonly deadLetters: LocalDeadLetters = {
    list: async (limit = 100) => {
      const entries = await this.store.scan({ prefix: this.keys.deadPrefix, limit });
      return entries.map(([, value]) => fromDeadRecord(value as unknown as DeadRecord));
    },
    discard: async (seqs) => {
      await this.store.write(seqs.map((seq) => ({ type: "delete", key: this.keys.dead(seq) })));
    },
  };
}

/** Log records read per scan while filling the read-ahead. */
const READ_RECORDS = 8;

/** JSON length as a stand-in for wire size; bytes are base64 already. */
function approximateSize(entry: LogEntry): number {
  return JSON.stringify(entry).length + 32;
}
