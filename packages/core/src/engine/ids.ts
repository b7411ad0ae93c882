import { fnv1a } from "../util/hash.js";

/**
 * Message ids and receipts carry their own location, as RocketMQ's offset
 * message id carries the commitlog offset: looking one up needs no index, and
 * a router can send it to the right queue without asking anyone.
 *
 *   msgId   <epoch>-<queueId>-o<offset>      a message appended at once
 *           <epoch>-<queueId>-s<sid>         a delayed message (scheduled id)
 *   receipt <epoch>-<queueId>-<group hash>-<offset>-<leaseId>
 */
/** Positions a message id can name (`PositionKind` without transactions): 0, an offset; 1, a scheduled id. */
export type MsgIdKind = 0 | 1;

/** What a message id says: which queue, and which position in it. */
export interface MsgIdParts {
  epoch: string;
  queueId: number;
  kind: MsgIdKind;
  n: number;
}

/** The message id of position `n` (of `kind`) in a queue. */
export function formatMsgId(epoch: string, queueId: number, kind: MsgIdKind, n: number): string {
  return `${epoch}-${queueId}-${kind === 0 ? "o" : "s"}${n.toString(36)}`;
}

/** The parts of a message id; undefined when `msgId` is not one of edgeq's. */
export function parseMsgId(msgId: string): MsgIdParts | undefined {
  const parts = msgId.split("-");
  if (parts.length !== 3) return undefined;
  const [epoch, q, pos] = parts as [string, string, string];
  const queueId = parseDecimal(q);
  const kind = pos[0] === "o" ? 0 : pos[0] === "s" ? 1 : undefined;
  const n = parseBase36(pos.slice(1));
  if (!epoch || queueId === undefined || kind === undefined || n === undefined) return undefined;
  return { epoch, queueId, kind, n };
}

/** What a lease receipt says: which queue, group, offset and lease. */
export interface ReceiptParts {
  epoch: string;
  queueId: number;
  groupHash: string;
  offset: number;
  leaseId: number;
}

/** A short stable hash of a group name, as receipts carry it. */
export function groupHash(group: string): string {
  return fnv1a(group).toString(36);
}

/** The receipt of lease `leaseId` on `offset` for `group`. */
export function formatReceipt(
  epoch: string,
  queueId: number,
  group: string,
  offset: number,
  leaseId: number,
): string {
  return `${epoch}-${queueId}-${groupHash(group)}-${offset.toString(36)}-${leaseId.toString(36)}`;
}

/**
 * A receipt's five parts: the queue id as `parseDecimal` takes it, the offset
 * and lease as `parseBase36` takes them. One match, not a split and a test per
 * part: an ack checks up to 1,000 receipts, on the Worker and in the queue.
 */
const RECEIPT = /^([^-]+)-(0|[1-9][0-9]{0,5})-([^-]+)-([0-9a-z]{1,11})-([0-9a-z]{1,11})$/;

/** The parts of a receipt; undefined when it is not one of edgeq's. */
export function parseReceipt(receipt: string): ReceiptParts | undefined {
  const m = RECEIPT.exec(receipt);
  if (!m) return undefined;
  const offset = Number.parseInt(m[4]!, 36);
  const leaseId = Number.parseInt(m[5]!, 36);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(leaseId)) return undefined;
  return { epoch: m[1]!, queueId: Number(m[2]), groupHash: m[3]!, offset, leaseId };
}

/** The queue a msgId or receipt points at, for routing; undefined when it is not one of ours. */
export function queueOf(id: string): number | undefined {
  return parseMsgId(id)?.queueId ?? parseReceipt(id)?.queueId;
}

function parseDecimal(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,5})$/.test(text)) return undefined;
  return Number(text);
}

function parseBase36(text: string): number | undefined {
  if (!/^[0-9a-z]{1,11}$/.test(text)) return undefined;
  const n = Number.parseInt(text, 36);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A random queue epoch: 8 base-36 characters from `random`. */
export function newEpoch(random: () => number): string {
  let out = "";
  for (let i = 0; i < 8; i++) out += Math.floor(random() * 36).toString(36);
  return out;
}
