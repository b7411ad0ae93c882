import type { GroupTotals, JsonValue, QueueTotals, SendResult } from "../model.js";
import { encodeNum, encodeStr, joinKey } from "../store/keys.js";
import type { GroupSettings } from "./group-settings.js";

/**
 * What the engine keeps in a Store, and under which keys. Every key starts
 * with its record type, then the queue's scope (`topic|queueId`), so one store
 * can hold many queues and each type sorts on its own.
 *
 *   meta|S                      QueueMeta
 *   seg|S|<first offset>        Segment: one group commit's messages (the commitlog)
 *   key|S|<key>|<offset>        index for query by key
 *   sid|S|<scheduled id>        a delayed message: `{dueAt}` while it waits, its offset once visible
 *   sched|S|<due>|<sid>         ScheduledRecord: a delayed message not yet in the log
 *   prod|S|<producerId>         ProducerRecord: recent (seq → position) runs for dedup
 *   prch|S|<producerId>|<chunk> SeqRun[]: older runs of that window, RUNS_PER_CHUNK at a time
 *   pidl|S|<time>|<producerId>  producers by the time they were last checked for idleness (their TTL index)
 *   grp|S|<group>               GroupRecord
 *   pend|S|<group>|<offset>     PendingRecord: leased, or waiting for its retry
 *   dlq|S|<group>|<offset>      DeadRecord
 *   half|S|<tx number>          HalfRecord: a transaction's half messages, then its outcome
 *   hist|S|<minute>             HistorySample: the queue at the end of a minute (history.ts)
 */
export interface QueueMeta {
  /** Random per queue incarnation; part of every msgId and receipt, so ids of a deleted queue never alias. */
  epoch: string;
  /** Next offset to assign. */
  head: number;
  /** Lowest retained offset. */
  minOffset: number;
  /** Bytes of the segments still stored. */
  bytes: number;
  nextSid: number;
  nextLeaseId: number;
  /** Absent in queues created before transactions existed: read as 1. */
  nextTxNum?: number;
  /** Delayed messages waiting (`sched|` records). Absent in older queues: counted once at wake. */
  scheduled?: number;
  /** Every producer record has its `pidl|` entry. Absent in older queues: built once at wake. */
  producerIndex?: true;
  /** Running totals (see counters.ts); absent in queues created before them. */
  totals?: QueueTotals;
  /** The minute of the last `hist|` sample written (history.ts); absent: none yet. */
  sampledMinute?: number;
}

/** A message inside a segment. Offsets are implicit: `segment.first + index`. */
export interface StoredMessage {
  /**
   * A JSON body as its text, a string inside the record: a segment is then
   * written and read back with strings, not object trees, and a read that
   * answers JSON splices the text in as it is.
   */
  json?: string;
  /** Base64 when `bytes` is set; a JSON body in records written before `json` existed. */
  body?: JsonValue;
  bytes?: true;
  key?: string;
  tags?: string[];
  headers?: Record<string, string>;
  producedAt: number;
  producerId?: string;
  seq?: number;
  deliverAt?: number;
  /** Never delivered after this time (see `isExpired`). */
  expiresAt?: number;
  /** Only for delayed messages, whose id was issued before they had an offset. */
  msgId?: string;
  size: number;
}

/**
 * One group commit's messages in one record, as RocketMQ packs its commitlog
 * into segment files: the store pays per record, so a batch of 100 costs one
 * write instead of 100.
 */
export interface Segment {
  first: number;
  /** Largest `producedAt` inside: age retention deletes whole segments by it. */
  lastAt: number;
  bytes: number;
  msgs: StoredMessage[];
}

export interface ScheduledRecord {
  sid: number;
  dueAt: number;
  msg: StoredMessage;
}

/** `[seqStart, count, positionStart, kind]`: seqStart+i went to position positionStart+i. */
export type SeqRun = [number, number, number, PositionKind];
/** 0: an offset in the log; 1: a scheduled id (a delayed message); 2: a transaction number (a half message). */
export type PositionKind = 0 | 1 | 2;

export type TransactionState = "pending" | "committed" | "rolled_back";

/**
 * A transaction's part on one queue (RocketMQ's half messages). Its messages
 * stay out of the log until the commit, which appends them then, so a
 * consumer never waits at or skips over an undecided message. Kept after the
 * decision, so a repeated decision answers the same and the other one is a conflict.
 */
export interface HalfRecord {
  num: number;
  txId: string;
  producerId: string;
  /** The scope's principal of the producer that opened it; absent without a scope. */
  principal?: string;
  createdAt: number;
  state: TransactionState;
  /** Check-backs asked so far, and when the next one is due. */
  checks: number;
  nextCheckAt: number;
  msgs: StoredMessage[];
  decidedAt?: number;
  /** Who decided: the producer, a check-back answer, or the broker after the last check. */
  decidedBy?: "producer" | "check" | "max_checks";
  /** A commit's per-message results, so committing again answers the same. */
  results?: SendResult[];
}

export interface ProducerRecord {
  runs: SeqRun[];
  /** Every seq at or below this, not found in `runs`, was seen and has aged out of the window. */
  floor: number;
  lastSeenAt: number;
  /** Runs with a lower index are in `prch|` chunk records (see `ProducerWindow`); absent: 0, none. */
  sealed?: number;
  /** The producer's declared session (see `ProducerWindow.epoch`); absent: 0. */
  epoch?: number;
  /** The time in the producer's `pidl|` entry (at most `lastSeenAt`); absent: none yet. */
  idx?: number;
}

export interface GroupRecord {
  /** Offset committed by a pull consumer; null until the first commit. */
  offset: number | null;
  /** Next offset lease mode hands out; null until the first receive. */
  cursor: number | null;
  deadLetters: number;
  /** How the group is served in lease mode (`GroupSettings`); absent: defaults. */
  settings?: GroupSettings;
  /** Running totals (see counters.ts); absent in groups created before them. */
  totals?: GroupTotals;
}

export interface PendingRecord {
  reconsumeTimes: number;
  deliveryCount: number;
  /** When the lease ends, or when the retry becomes due. */
  visibleAt: number;
  /** The live lease, or 0 while waiting for a retry. */
  leaseId: number;
  /** First delivery from the cursor: holds the group's committed offset back until finished. */
  first: boolean;
  /** A copy of the message for redriven dead letters, whose original may have been trimmed. */
  copy?: StoredMessage;
  /** Its flow key, in a group that limits deliveries per key (`GroupSettings`). */
  fk?: string;
  /** Taken from the log but held back by its key's order or flow limit: not delivered yet. */
  waiting?: true;
}

export interface DeadRecord {
  msg: StoredMessage;
  reconsumeTimes: number;
  deadAt: number;
  /** Absent: `max_reconsume_times` (records written before expiry existed have none). */
  reason?: "expired";
}

/**
 * Whether a stored message's expiry passed at `now`: the one rule every
 * delivery path asks (leases dead-letter it, reads by offset leave it out).
 */
export function isExpired(msg: StoredMessage, now: number): boolean {
  return msg.expiresAt !== undefined && msg.expiresAt <= now;
}

/** Builds the keys of one queue. */
export class QueueKeys {
  readonly scope: string;
  constructor(topic: string, queueId: number) {
    this.scope = joinKey(topic, String(queueId));
  }
  meta(): string {
    return joinKey("meta", this.scope);
  }
  segment(first: number): string {
    return joinKey("seg", this.scope, encodeNum(first));
  }
  segmentPrefix(): string {
    return joinKey("seg", this.scope, "");
  }
  keyIndex(key: string, offset: number): string {
    return joinKey("key", this.scope, encodeStr(key), encodeNum(offset));
  }
  keyIndexPrefix(key: string): string {
    return joinKey("key", this.scope, encodeStr(key), "");
  }
  sid(sid: number): string {
    return joinKey("sid", this.scope, encodeNum(sid));
  }
  sidPrefix(): string {
    return joinKey("sid", this.scope, "");
  }
  /** Every key's index entries of the queue. */
  keyIndexAllPrefix(): string {
    return joinKey("key", this.scope, "");
  }
  scheduled(dueAt: number, sid: number): string {
    return joinKey("sched", this.scope, encodeNum(dueAt), encodeNum(sid));
  }
  scheduledPrefix(): string {
    return joinKey("sched", this.scope, "");
  }
  producer(producerId: string): string {
    return joinKey("prod", this.scope, producerId);
  }
  producerPrefix(): string {
    return joinKey("prod", this.scope, "");
  }
  producerChunk(producerId: string, chunk: number): string {
    return joinKey("prch", this.scope, producerId, encodeNum(chunk));
  }
  producerChunkPrefix(producerId: string): string {
    return joinKey("prch", this.scope, producerId, "");
  }
  /** A producer's idleness index entry; `producerIdle(t, "")` sorts after every entry before `t`. */
  producerIdle(at: number, producerId: string): string {
    return joinKey("pidl", this.scope, encodeNum(at), producerId);
  }
  producerIdlePrefix(): string {
    return joinKey("pidl", this.scope, "");
  }
  group(group: string): string {
    return joinKey("grp", this.scope, group);
  }
  groupPrefix(): string {
    return joinKey("grp", this.scope, "");
  }
  pending(group: string, offset: number): string {
    return joinKey("pend", this.scope, group, encodeNum(offset));
  }
  pendingPrefix(group?: string): string {
    return group === undefined
      ? joinKey("pend", this.scope, "")
      : joinKey("pend", this.scope, group, "");
  }
  half(num: number): string {
    return joinKey("half", this.scope, encodeNum(num));
  }
  halfPrefix(): string {
    return joinKey("half", this.scope, "");
  }
  dead(group: string, offset: number): string {
    return joinKey("dlq", this.scope, group, encodeNum(offset));
  }
  deadPrefix(group: string): string {
    return joinKey("dlq", this.scope, group, "");
  }
  history(minute: number): string {
    return joinKey("hist", this.scope, encodeNum(minute));
  }
  historyPrefix(): string {
    return joinKey("hist", this.scope, "");
  }
}

/** Records are plain JSON by construction; these casts only cross TypeScript's interface/index-signature gap. */
export function toJson(record: object): JsonValue {
  return record as unknown as JsonValue;
}
export function fromJson<T>(value: JsonValue): T {
  return value as unknown as T;
}

/** The last `|`-separated part of a key (a group name, an encoded offset). */
export function lastPart(key: string): string {
  return key.slice(key.lastIndexOf("|") + 1);
}
