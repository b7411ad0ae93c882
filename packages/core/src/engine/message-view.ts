import type { JsonValue, Message } from "../model.js";
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

/** A stored message's body as readers see it: bytes, or the JSON value. */
export function bodyOf(msg: StoredMessage): JsonValue | Uint8Array {
  if (msg.json !== undefined) return JSON.parse(msg.json) as JsonValue;
  return msg.bytes ? base64ToBytes(msg.body as string) : (msg.body as JsonValue);
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
  return messageOf(topic, queueId, epoch, offset, msg, reconsumeTimes, bodyOf(msg));
}

/**
 * A stored message as the JSON of the wire (docs/protocol.md): what
 * `messageToWire` makes of its `toMessage`, with the body's stored text
 * spliced in, neither parsed nor written again. A bytes body is its base64
 * and `"encoding":"base64"`, as `messageToWire` writes it.
 */
export function toWireJson(
  topic: string,
  queueId: number,
  epoch: string,
  offset: number,
  msg: StoredMessage,
  reconsumeTimes: number,
): string {
  // JSON leaves out a member whose value is undefined: the body is written after the rest.
  const rest = JSON.stringify(
    messageOf(topic, queueId, epoch, offset, msg, reconsumeTimes, undefined),
  );
  const body = msg.json ?? JSON.stringify(msg.body);
  return `${rest.slice(0, -1)},"body":${body}${msg.bytes ? ',"encoding":"base64"' : ""}}`;
}

function messageOf<B>(
  topic: string,
  queueId: number,
  epoch: string,
  offset: number,
  msg: StoredMessage,
  reconsumeTimes: number,
  body: B,
): Omit<Message, "body"> & { body: B } {
  const out: Omit<Message, "body"> & { body: B } = {
    msgId: msgIdOf(epoch, queueId, offset, msg),
    topic,
    queueId,
    offset,
    body,
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
