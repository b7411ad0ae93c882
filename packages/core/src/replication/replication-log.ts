import type { JsonValue } from "../model.js";
import { encodeNum } from "../store/keys.js";
import { prefixEnd, type Store, type StoreEntry, type StoreOp } from "../store/store.js";
import type { ReplicationBatch, TermStart } from "./replication-types.js";

/** The replication records' own namespace: never shipped, never cleared by a snapshot. */
export const REPL_PREFIX = "repl|";
const STATE_KEY = `${REPL_PREFIX}state`;
const BATCH_PREFIX = `${REPL_PREFIX}b|`;
/** Above every printable-ASCII key (the store contract), so `[x, KEY_END)` runs to the end. */
const KEY_END = "\x7f";

/** What a member of a replicated queue keeps about itself, under `repl|state`. */
export interface ReplicationRecord {
  role: "primary" | "replica";
  term: number;
  /** The last batch written (primary) or applied whole (replica). */
  seq: number;
  /** The primary's clock when it wrote batch `seq` (a replica's staleness). */
  lastAt?: number;
  terms: TermStart[];
  /** The primary this member follows (a replica) or its own name (a primary). */
  primary: string;
  /** A primary replaced by a newer one: it refuses writes from then on. */
  fencedBy?: { term: number; primary: string };
  /** A snapshot being received: until it is done the records are incomplete. */
  snapshotBase?: number;
}

/** A brand-new member: term 1, nothing written. */
export function initialRecord(role: "primary" | "replica", primary: string): ReplicationRecord {
  return { role, term: 1, seq: 0, terms: [{ term: 1, start: 1 }], primary };
}

export async function loadRecord(store: Store): Promise<ReplicationRecord | undefined> {
  return (await store.get(STATE_KEY)) as ReplicationRecord | undefined;
}

export function recordOp(record: ReplicationRecord): StoreOp {
  return { type: "put", key: STATE_KEY, value: record as unknown as JsonValue };
}

export function batchKey(seq: number): string {
  return BATCH_PREFIX + encodeNum(seq);
}

/**
 * The ops that keep batch `batch.seq` in the retained tail and drop the one
 * that falls out of it: written in the same atomic write as the batch's own
 * ops, so the tail never lacks a batch the records hold.
 */
export function tailOps(batch: ReplicationBatch, tailBatches: number): StoreOp[] {
  const ops: StoreOp[] = [
    { type: "put", key: batchKey(batch.seq), value: batch as unknown as JsonValue },
  ];
  const dropped = batch.seq - tailBatches;
  if (dropped >= 1) ops.push({ type: "delete", key: batchKey(dropped) });
  return ops;
}

/** Batches `from`…`to` of the retained tail, or undefined when `from` is no longer in it. */
export async function readTail(
  store: Store,
  from: number,
  to: number,
): Promise<ReplicationBatch[] | undefined> {
  if (to < from) return [];
  const rows = await store.scan({ start: batchKey(from), end: batchKey(to + 1) });
  const batches = rows.map(([, v]) => v as unknown as ReplicationBatch);
  return batches[0]?.seq === from ? batches : undefined;
}

/** Drops the retained tail (a replica about to receive a snapshot). */
export function clearTailOp(): StoreOp {
  return { type: "deleteRange", start: BATCH_PREFIX, end: prefixEnd(BATCH_PREFIX) };
}

/**
 * The key ranges a replica receives: everything but the `local` prefixes
 * (the replication records and whatever the host keeps for itself), in key order.
 */
export function shippedRanges(localPrefixes: readonly string[]): Array<[string, string]> {
  const holes = [...new Set([REPL_PREFIX, ...localPrefixes])]
    .sort()
    .map((p) => [p, prefixEnd(p)] as const);
  const ranges: Array<[string, string]> = [];
  let at = "";
  for (const [start, end] of holes) {
    if (start > at) ranges.push([at, start]);
    if (end > at) at = end;
  }
  ranges.push([at, KEY_END]);
  return ranges;
}

/** Whether `key` is shipped to replicas. */
export function isShipped(key: string, localPrefixes: readonly string[]): boolean {
  return !key.startsWith(REPL_PREFIX) && !localPrefixes.some((p) => key.startsWith(p));
}

/** Ops that delete every shipped record (a replica's first snapshot page). */
export function clearShippedOps(localPrefixes: readonly string[]): StoreOp[] {
  return shippedRanges(localPrefixes).map(([start, end]) => ({ type: "deleteRange", start, end }));
}

/** A page of shipped records after `after` (exclusive; "" from the start). */
export async function readShippedPage(
  store: Store,
  localPrefixes: readonly string[],
  after: string | undefined,
  limit: number,
): Promise<StoreEntry[]> {
  const out: StoreEntry[] = [];
  // A space is the smallest printable character: `${key} ` is the key right after `key`.
  const from = after === undefined ? "" : `${after} `;
  for (const [start, end] of shippedRanges(localPrefixes)) {
    if (end <= from) continue;
    // String bounds: the later of the range's start and the page's.
    let lower = start;
    if (from > lower) lower = from;
    const rows = await store.scan({
      start: lower,
      end,
      limit: limit - out.length,
    });
    out.push(...rows);
    if (out.length >= limit) break;
  }
  return out;
}

/** The term batch `seq` was written in, by `terms` (0 before the first batch). */
export function termAt(terms: readonly TermStart[], seq: number): number {
  if (seq <= 0) return 0;
  let term = 0;
  for (const t of terms) if (t.start <= seq) term = t.term;
  return term;
}

/**
 * `[start, end)` without the replication records' namespace (`repl|`), as
 * one or two ranges in key order: what a scan or a range delete of the
 * replicated store's user may reach. `end` undefined: to the end of the keys.
 */
export function outsideReplication(
  start: string,
  end: string | undefined,
): Array<[string, string | undefined]> {
  const holeEnd = prefixEnd(REPL_PREFIX);
  if ((end !== undefined && end <= REPL_PREFIX) || start >= holeEnd) return [[start, end]];
  const parts: Array<[string, string | undefined]> = [];
  if (start < REPL_PREFIX) parts.push([start, REPL_PREFIX]);
  if (end === undefined || end > holeEnd) parts.push([holeEnd > start ? holeEnd : start, end]);
  return parts;
}
