import type { SendResult } from "../model.js";
import type { StoreOp } from "../store/store.js";
import { formatMsgId } from "./ids.js";
import type { ProducerWindow } from "./producer-window.js";
import type { QueueState } from "./queue-state.js";
import { type ScheduledRecord, type StoredMessage, toJson } from "./records.js";
import type { NormalizedMessage } from "./validate.js";

/** A validated message as the log stores it. */
export function toStored(
  m: NormalizedMessage,
  producerId: string | undefined,
  now: number,
): StoredMessage {
  const stored: StoredMessage =
    m.json === undefined
      ? { body: m.body, bytes: true, producedAt: now, size: m.size }
      : { json: m.json, producedAt: now, size: m.size };
  if (m.key !== undefined) stored.key = m.key;
  if (m.tags) stored.tags = m.tags;
  if (m.headers) stored.headers = m.headers;
  if (producerId !== undefined) stored.producerId = producerId;
  if (m.seq !== undefined) stored.seq = m.seq;
  if (m.deliverAt !== undefined) stored.deliverAt = m.deliverAt;
  if (m.expiresAt !== undefined) stored.expiresAt = m.expiresAt;
  return stored;
}

/**
 * Puts new messages where they belong and says where: delayed ones aside
 * until due (RocketMQ's schedule topic), so a reader by offset never waits at
 * or skips over an invisible message; the rest in one new segment. Records
 * each seq's position in `window` for dedup. Used by plain appends and by
 * transaction commits alike.
 */
export function placeMessages(
  s: QueueState,
  ops: StoreOp[],
  now: number,
  messages: readonly StoredMessage[],
  window: ProducerWindow | undefined,
): SendResult[] {
  const results: SendResult[] = [];
  s.countProduced(messages.length);
  const first = s.meta.head;
  const msgs: StoredMessage[] = [];
  let bytes = 0;
  for (const stored of messages) {
    const seq = stored.seq;
    if (stored.deliverAt !== undefined && stored.deliverAt > now) {
      const sid = s.takeSid();
      stored.msgId = formatMsgId(s.meta.epoch, s.queueId, 1, sid);
      const rec: ScheduledRecord = { sid, dueAt: stored.deliverAt, msg: stored };
      ops.push({ type: "put", key: s.keys.scheduled(stored.deliverAt, sid), value: toJson(rec) });
      // Where the waiting message is, for `getMessage` (its id names the sid, not the due time).
      ops.push({ type: "put", key: s.keys.sid(sid), value: { dueAt: stored.deliverAt } });
      s.scheduledAdded();
      s.noteScheduled(stored.deliverAt);
      if (window && seq !== undefined) window.record(seq, 1, sid, s.config.producerWindow);
      results.push({
        status: "stored",
        ...(seq === undefined ? {} : { seq }),
        msgId: stored.msgId,
        queueId: s.queueId,
        deliverAt: stored.deliverAt,
      });
      continue;
    }
    const offset = first + msgs.length;
    msgs.push(stored);
    bytes += stored.size;
    if (window && seq !== undefined) window.record(seq, 0, offset, s.config.producerWindow);
    if (stored.key !== undefined && s.indexKeys)
      ops.push({ type: "put", key: s.keys.keyIndex(stored.key, offset), value: offset });
    const msgId = formatMsgId(s.meta.epoch, s.queueId, 0, offset);
    // Two literals, not a spread: this runs once per message appended.
    results.push(
      seq === undefined
        ? { status: "stored", msgId, queueId: s.queueId, offset }
        : { status: "stored", seq, msgId, queueId: s.queueId, offset },
    );
  }
  if (msgs.length > 0) s.appendSegment(ops, msgs, bytes, now);
  return results;
}
