import type { Message } from "../model.js";
import { base64ToBytes } from "../util/bytes.js";
import { formatMsgId } from "./ids.js";
import type { StoredMessage } from "./records.js";

/** A stored message's id: its own (assigned at append) or the one its offset implies. */
export function msgIdOf(
  epoch: string,
  queueId: number,
  offset: number,
  msg: StoredMessage,
): string {
  return msg.msgId ?? formatMsgId(epoch, queueId, 0, offset);
}

/**
 * A stored message as readers see it. Shared by the engine and by reads
 * from a replica's store, which has no engine open.
 */
export function toMessage(
  topic: string,
  queueId: number,
  epoch: string,
  offset: number,
  msg: StoredMessage,
  reconsumeTimes: number,
): Message {
  const out: Message = {
    msgId: msgIdOf(epoch, queueId, offset, msg),
    topic,
    queueId,
    offset,
    body: msg.bytes ? base64ToBytes(msg.body as string) : msg.body,
    tags: msg.tags ?? [],
    headers: msg.headers ?? {},
    producedAt: msg.producedAt,
    reconsumeTimes,
  };
  if (msg.key !== undefined) out.key = msg.key;
  if (msg.producerId !== undefined) out.producerId = msg.producerId;
  if (msg.seq !== undefined) out.seq = msg.seq;
  if (msg.deliverAt !== undefined) out.deliverAt = msg.deliverAt;
  if (msg.expiresAt !== undefined) out.expiresAt = msg.expiresAt;
  return out;
}
