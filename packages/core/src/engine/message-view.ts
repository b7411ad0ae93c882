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

/** Where a stored message is read from: what its view holds besides the record. */
export interface MessagePlace {
  topic: string;
  queueId: number;
  epoch: string;
  offset: number;
  /** How often it went back to the retry schedule (0 for a read). */
  reconsumeTimes: number;
}

/** A lease's own members, which a leased message adds to its message (`LeasedMessage`). */
export interface LeaseMembers {
  receipt: string;
  deliveryCount: number;
}

/**
 * A stored message as readers see it. Shared by the engine and by reads
 * from a replica's store, which has no engine open.
 */
export function toMessage(at: MessagePlace, msg: StoredMessage): Message {
  return messageOf(at, msg, bodyOf(msg));
}

/**
 * A stored message as the JSON of the wire (docs/protocol.md): what
 * `messageToWire` makes of its `toMessage` (with `lease`, of the leased
 * message), the body's stored text spliced in, neither parsed nor written
 * again. A bytes body is its base64 and `"encoding":"base64"`, as
 * `messageToWire` writes it.
 */
export function toWireJson(at: MessagePlace, msg: StoredMessage, lease?: LeaseMembers): string {
  // Written member by member, in messageOf's order with the body last: the
  // object JSON.stringify would take is never built. Numbers are integers
  // and the msgId is ASCII, so only the other strings go through JSON.stringify.
  let text = `{"msgId":"${msgIdOf(at.epoch, at.queueId, at.offset, msg)}","topic":${JSON.stringify(at.topic)},"queueId":${at.queueId},"offset":${at.offset}`;
  text += `,"tags":${msg.tags ? JSON.stringify(msg.tags) : "[]"},"headers":${msg.headers ? JSON.stringify(msg.headers) : "{}"}`;
  text += `,"producedAt":${msg.producedAt},"reconsumeTimes":${at.reconsumeTimes}`;
  if (msg.key !== undefined) text += `,"key":${JSON.stringify(msg.key)}`;
  if (msg.producerId !== undefined) text += `,"producerId":${JSON.stringify(msg.producerId)}`;
  if (msg.seq !== undefined) text += `,"seq":${msg.seq}`;
  if (msg.deliverAt !== undefined) text += `,"deliverAt":${msg.deliverAt}`;
  if (msg.expiresAt !== undefined) text += `,"expiresAt":${msg.expiresAt}`;
  if (lease) text += `,"receipt":"${lease.receipt}","deliveryCount":${lease.deliveryCount}`;
  const body = msg.json ?? JSON.stringify(msg.body);
  return `${text},"body":${body}${msg.bytes ? ',"encoding":"base64"' : ""}}`;
}

function messageOf<B>(
  at: MessagePlace,
  msg: StoredMessage,
  body: B,
): Omit<Message, "body"> & { body: B } {
  const out: Omit<Message, "body"> & { body: B } = {
    msgId: msgIdOf(at.epoch, at.queueId, at.offset, msg),
    topic: at.topic,
    queueId: at.queueId,
    offset: at.offset,
    body,
    tags: msg.tags ?? [],
    headers: msg.headers ?? {},
    producedAt: msg.producedAt,
    reconsumeTimes: at.reconsumeTimes,
  };
  if (msg.key !== undefined) out.key = msg.key;
  if (msg.producerId !== undefined) out.producerId = msg.producerId;
  if (msg.seq !== undefined) out.seq = msg.seq;
  if (msg.deliverAt !== undefined) out.deliverAt = msg.deliverAt;
  if (msg.expiresAt !== undefined) out.expiresAt = msg.expiresAt;
  return out;
}
