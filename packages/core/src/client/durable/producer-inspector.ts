import { assertIntInRange } from "../../engine/validate.js";
import { EdgeqError } from "../../errors.js";
import type { MessageBody } from "../../model.js";
import { transact } from "../../store/store.js";
import type { DurableProducer } from "./durable-producer.js";
import {
  type AckRecord,
  bodyOf,
  type DeadRecord,
  type DeliveredMessage,
  type DurableSendOptions,
  type ErrorSummary,
  fromDeadRecord,
  type LogRecord,
  messageId,
  optionsOf,
  type QueuedMessage,
} from "./log-records.js";

/**
 * Where a message of a durable producer is:
 * - `pending`: durable in the local log, waiting to be sent;
 * - `inFlight`: in the request on the wire now (seen only by the runner that sends it);
 * - `acknowledged`: in the broker's log (its answer is kept for the latest `keepAcknowledged` seqs);
 * - `deadLetter`: refused by the broker for good, with the reason;
 * - `forgotten`: handled long ago (acknowledged beyond the kept answers, or a dead letter
 *   discarded or retried), details no longer kept;
 * - `unknown`: this producer never handed out that id.
 */
export type MessageState =
  | "pending"
  | "inFlight"
  | "acknowledged"
  | "deadLetter"
  | "forgotten"
  | "unknown";

/** One message as the inspector shows it; which fields are there depends on `state`. */
export interface MessageInfo extends QueuedMessage {
  state: MessageState;
  /** Pending, in flight, dead letter: what will be (or was) sent. */
  body?: MessageBody;
  options?: DurableSendOptions;
  /** Acknowledged: the broker's answer. */
  answer?: Pick<DeliveredMessage, "status" | "queueId" | "msgId" | "offset"> & { at: number };
  /** Dead letter: why the broker refused it, and when. */
  reason?: ErrorSummary;
  failedAt?: number;
}

/** Which messages `list` returns, and from where. */
export interface ListOptions {
  state: "pending" | "inFlight" | "acknowledged" | "deadLetter";
  /** Messages per page, 1–1,000. Default 50. */
  limit?: number;
  /**
   * The page after this cursor (the previous page's `next`). Pending, in
   * flight and dead letters go oldest first; acknowledged newest first.
   */
  cursor?: number;
}

/** One page of `list`; `next` is the cursor of the following page, absent on the last. */
export interface MessagePage {
  messages: MessageInfo[];
  next?: number;
}

/** What a durable producer holds, message by message. */
export interface ProducerInspector {
  /** One page of the messages in `options.state` (see `ListOptions` for the order and the cursor). */
  list(options: ListOptions): Promise<MessagePage>;
  /** Where the message `send` returned this id for is now. */
  status(id: string): Promise<MessageInfo>;
  /**
   * Sends a dead letter again as a new message (a new seq and id, returned),
   * removing the dead letter in the same transaction; `not_found` when there
   * is no such dead letter (any more).
   */
  retry(id: string): Promise<QueuedMessage>;
  /** Removes a dead letter the app has dealt with; false when there was none. */
  discard(id: string): Promise<boolean>;
}

/**
 * An inspector over `producer`'s store: lists by state with paging, status
 * by id, retry and discard of dead letters. Kept apart from the producer so
 * an app that never inspects does not ship it.
 */
export function inspectProducer(producer: DurableProducer): ProducerInspector {
  const { store, keys, producerId } = producer.log;
  const seqOf = (id: string): number | undefined => {
    const seq = id.startsWith(`${producerId}:`) ? Number(id.slice(producerId.length + 1)) : NaN;
    return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
  };
  const base = (seq: number, queuedAt: number): QueuedMessage => ({
    id: messageId(producerId, seq),
    producerId,
    seq,
    queuedAt,
  });
  const inFlight = (seq: number) =>
    producer.sending !== undefined && seq >= producer.sending.from && seq <= producer.sending.to;

  /** Logged messages from `from` on (oldest first), up to `limit`, with their records read in one scan. */
  async function logged(from: number, limit: number): Promise<MessageInfo[]> {
    const [holder] = await store.scan({
      prefix: keys.logPrefix,
      end: keys.log(from + 1),
      reverse: true,
      limit: 1,
    });
    const records = await store.scan({
      prefix: keys.logPrefix,
      start: holder?.[0] ?? keys.logPrefix,
      limit,
    });
    const out: MessageInfo[] = [];
    for (const [, value] of records) {
      const record = value as unknown as LogRecord;
      for (const [i, entry] of record.messages.entries()) {
        const seq = record.first + i;
        if (seq < from) continue;
        out.push({
          ...base(seq, record.queuedAt),
          state: inFlight(seq) ? "inFlight" : "pending",
          body: bodyOf(entry),
          options: optionsOf(entry),
        });
      }
    }
    return out;
  }

  const dead = (record: DeadRecord): MessageInfo => {
    const { body, options, reason, failedAt, ...queued } = fromDeadRecord(record);
    return { ...queued, state: "deadLetter", body, options, reason, failedAt };
  };

  const acked = (record: AckRecord): MessageInfo[] =>
    record.messages.map(({ status, queueId, msgId, offset, ...queued }) => ({
      ...queued,
      state: "acknowledged",
      answer: { status, queueId, msgId, offset, at: record.at },
    }));

  async function list(options: ListOptions): Promise<MessagePage> {
    const limit = assertIntInRange("limit", options.limit ?? 50, 1, 1000);
    const { cursor } = options;
    if (cursor !== undefined) assertIntInRange("cursor", cursor, 0, Number.MAX_SAFE_INTEGER);
    let found: MessageInfo[];
    if (options.state === "deadLetter") {
      const rows = await store.scan({
        prefix: keys.deadPrefix,
        start: keys.dead((cursor ?? 0) + 1),
        limit: limit + 1,
      });
      found = rows.map(([, v]) => dead(v as unknown as DeadRecord));
    } else if (options.state === "acknowledged") {
      const rows = await store.scan({
        prefix: keys.ackedPrefix,
        ...(cursor === undefined ? {} : { end: keys.acked(cursor) }),
        reverse: true,
        limit: limit + 1,
      });
      found = rows
        .flatMap(([, v]) => acked(v as unknown as AckRecord).reverse())
        .filter((m) => cursor === undefined || m.seq < cursor);
    } else if (options.state === "inFlight" || options.state === "pending") {
      const { doneSeq } = await producer.log.progress();
      const { sending } = producer;
      const after = Math.max(doneSeq, cursor ?? 0);
      // Records hold one or more messages each: `limit + 1` records hold enough.
      if (options.state === "pending")
        found = await logged(Math.max(after, sending?.to ?? 0) + 1, limit + 1);
      else if (sending)
        found = (await logged(Math.max(after + 1, sending.from), limit + 1)).filter(
          (m) => m.seq <= sending.to,
        );
      else found = [];
    } else
      throw new EdgeqError(
        "invalid_request",
        "state must be pending, inFlight, acknowledged or deadLetter",
      );
    const messages = found.slice(0, limit);
    return found.length > limit
      ? { messages, next: messages[messages.length - 1]!.seq }
      : { messages };
  }

  async function status(id: string): Promise<MessageInfo> {
    const seq = seqOf(id);
    const [{ nextSeq }, { doneSeq }] = await Promise.all([
      producer.log.producer(),
      producer.log.progress(),
    ]);
    if (seq === undefined || seq >= nextSeq)
      return { id, producerId, seq: seq ?? 0, queuedAt: 0, state: "unknown" };
    if (seq > doneSeq) {
      const [message] = await logged(seq, 1);
      if (message?.seq === seq) return message;
    }
    const deadRecord = await store.get(keys.dead(seq));
    if (deadRecord) return dead(deadRecord as unknown as DeadRecord);
    const [row] = await store.scan({
      prefix: keys.ackedPrefix,
      end: keys.acked(seq + 1),
      reverse: true,
      limit: 1,
    });
    const answer = row && acked(row[1] as unknown as AckRecord).find((m) => m.seq === seq);
    return answer ?? { ...base(seq, 0), state: "forgotten" };
  }

  async function retry(id: string): Promise<QueuedMessage> {
    const seq = seqOf(id) ?? 0;
    // One transaction: the dead letter goes and its copy is queued together, even
    // with another tab retrying the same one (the loser finds no dead letter).
    const queued = await transact(store, async (tx) => {
      const record = (await tx.get(keys.dead(seq))) as unknown as DeadRecord | undefined;
      if (!record) throw new EdgeqError("not_found", `no dead letter ${id}`);
      const append = await producer.beginAppend(tx);
      const { body, options } = fromDeadRecord(record);
      const [copy] = append.add([{ ...options, body }]);
      append.finish();
      tx.write([{ type: "delete", key: keys.dead(seq) }]);
      return copy!;
    });
    producer.wake(false);
    return queued;
  }

  async function discard(id: string): Promise<boolean> {
    const seq = seqOf(id) ?? 0;
    if (!(await store.get(keys.dead(seq)))) return false;
    await producer.deadLetters.discard([seq]);
    return true;
  }

  return { list, status, retry, discard };
}
