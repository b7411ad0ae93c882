import { decodeNum } from "../store/keys.js";
import { prefixEnd, type StoreEntry } from "../store/store.js";
import type { Leases } from "./leases.js";
import { ProducerWindow } from "./producer-window.js";
import type { QueueState } from "./queue-state.js";
import {
  fromJson,
  lastPart,
  type ScheduledRecord,
  type Segment,
  type StoredMessage,
} from "./records.js";
import type { Transactions } from "./transactions.js";

/**
 * The queue's own timed work: releasing delayed messages when due, expiring
 * leases, retention, forgetting idle producers, and the next time any of it
 * is due (a host sets one timer or Durable Object alarm for it).
 */
export class Maintenance {
  constructor(
    private readonly s: QueueState,
    private readonly leases: Leases,
    private readonly transactions: Transactions,
  ) {}

  /** When the engine next has work of its own (a host sets a timer or a Durable Object alarm for it). */
  nextWakeUp(): number | undefined {
    let next: number | undefined;
    const consider = (t: number | undefined) => {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    };
    consider(this.s.nextDueAt);
    const now = this.s.clock.now();
    // A paused group's timers wait for its resume (its leases do not expire meanwhile).
    for (const g of this.s.groups.values())
      if (!g.record.settings?.paused) consider(g.nextChange(now));
    if (this.s.oldestAt !== undefined) consider(this.s.oldestAt + this.s.config.retentionMs);
    const c = this.s.config;
    if (this.s.meta.head - this.s.meta.minOffset > c.maxMessages || this.s.meta.bytes > c.maxBytes)
      consider(this.s.clock.now());
    if (this.s.oldestProducerCheck !== undefined)
      consider(this.s.oldestProducerCheck + c.producerTtlMs);
    consider(this.transactions.nextWakeUp());
    return next;
  }

  /** Does whatever is due: releases delayed messages, expires leases, applies retention, forgets idle producers. */
  async tick(): Promise<void> {
    await this.s.ready();
    await this.releaseScheduled();
    await this.leases.expireLeases();
    await this.applyRetention();
    await this.forgetIdleProducers();
    await this.transactions.tick();
    this.s.notify();
  }

  /**
   * Deletes every message of the queue (a purge): the log up to its head,
   * delayed messages not yet due, and every group's leases, retries and
   * waiting messages. What stays: dead letters (they hold copies), open
   * transactions' half messages, producer windows (a retried send is still
   * answered `duplicate`), and each group's offsets and settings; offsets
   * stay valid and the next message takes the next offset. Answers how many
   * messages were deleted.
   */
  async purge(): Promise<number> {
    await this.s.ready();
    const generation = this.s.generation;
    const purged = await this.s.mutate((ops) => {
      const k = this.s.keys;
      const count = this.s.meta.head - this.s.meta.minOffset + (this.s.meta.scheduled ?? 0);
      for (const prefix of [
        k.segmentPrefix(),
        k.keyIndexAllPrefix(),
        k.scheduledPrefix(),
        k.sidPrefix(),
        k.pendingPrefix(),
      ])
        ops.push({ type: "deleteRange", start: prefix, end: prefixEnd(prefix) });
      this.s.logPurged();
      for (const g of this.s.groups.values()) g.pending.clear();
      ops.push(this.s.metaOp());
      return count;
    }, generation);
    this.s.forgetLog();
    this.s.notify();
    return purged;
  }

  /**
   * Moves due delayed messages into the log, oldest due first, a batch at a
   * time, straight from their index ordered by due time (`sched|`): nothing
   * about them is held in memory but the earliest due time. One release runs
   * at a time, so two ticks never release the same record twice.
   */
  private releaseScheduled(): Promise<void> {
    const run = this.releasing.then(() => this.releaseDue());
    this.releasing = run.catch(() => undefined);
    return run;
  }

  private releasing: Promise<void> = Promise.resolve();

  private async releaseDue(): Promise<void> {
    const now = this.s.clock.now();
    if (this.s.nextDueAt === undefined || this.s.nextDueAt > now) return;
    const generation = this.s.generation;
    this.s.beginDueRefresh();
    let due: StoreEntry[] = [];
    try {
      due = await this.s.store.scan({
        start: this.s.keys.scheduledPrefix(),
        end: this.s.keys.scheduled(now + 1, 0),
        limit: this.s.config.maxBatchMessages,
      });
      if (due.length > 0) {
        const head = await this.s.mutate((ops, at) => {
          const msgs: StoredMessage[] = [];
          let bytes = 0;
          for (const [key, value] of due) {
            const rec = fromJson<ScheduledRecord>(value);
            const offset = this.s.meta.head + msgs.length;
            msgs.push(rec.msg);
            bytes += rec.msg.size;
            ops.push({ type: "delete", key });
            ops.push({ type: "put", key: this.s.keys.sid(rec.sid), value: offset });
            if (rec.msg.key !== undefined && this.s.indexKeys)
              ops.push({
                type: "put",
                key: this.s.keys.keyIndex(rec.msg.key, offset),
                value: offset,
              });
          }
          this.s.scheduledReleased(msgs.length);
          if (msgs.length) this.s.appendSegment(ops, msgs, bytes, at);
          ops.push(this.s.metaOp());
          return this.s.meta.head;
        }, generation);
        this.s.advanceDurableHead(head);
      }
    } finally {
      await this.s.endDueRefresh();
    }
    if (due.length === this.s.config.maxBatchMessages) await this.releaseDue();
  }

  /**
   * Deletes what retention allows: by age, count and bytes, whole segments at
   * a time, but never a message a group still has leased or waiting for retry
   * (those need the log to be delivered again).
   */
  private async applyRetention(): Promise<void> {
    const c = this.s.config;
    const now = this.s.clock.now();
    const generation = this.s.generation;
    let target = Math.max(this.s.meta.minOffset, this.s.meta.head - c.maxMessages);
    const cutoff = now - c.retentionMs;
    let bytes = this.s.meta.bytes;
    const doomed: Array<[string, Segment]> = [];
    for (;;) {
      const batch = await this.s.store.scan({
        start: doomed.length
          ? this.s.keys.segment(doomed[doomed.length - 1]![1].first + 1)
          : this.s.keys.segmentPrefix(),
        end: this.s.keys.segment(this.s.meta.head),
        limit: 64,
      });
      let stop = batch.length === 0;
      for (const [key, value] of batch) {
        const seg = fromJson<Segment>(value);
        const end = seg.first + seg.msgs.length;
        const byAge = seg.lastAt < cutoff;
        const bySize = bytes > c.maxBytes;
        if (byAge || bySize) target = Math.max(target, end);
        if (end > target) {
          stop = true;
          break;
        }
        doomed.push([key, seg]);
        bytes -= seg.bytes;
      }
      if (stop) break;
    }
    for (const g of this.s.groups.values()) {
      const needed = g.lowestNeeded();
      if (needed !== undefined && needed < target) target = needed;
    }
    if (target <= this.s.meta.minOffset) return;
    await this.s.mutate((ops) => {
      let freed = 0;
      for (const [key, seg] of doomed) {
        if (seg.first + seg.msgs.length > target) break;
        ops.push({ type: "delete", key });
        freed += seg.bytes;
        seg.msgs.forEach((m, i) => {
          if (m.key !== undefined && this.s.indexKeys)
            ops.push({ type: "delete", key: this.s.keys.keyIndex(m.key, seg.first + i) });
        });
      }
      this.s.retainFrom(target, freed);
      ops.push(this.s.metaOp());
    }, generation);
    this.s.segments.trim(this.s.meta.minOffset);
    await this.s.refreshOldestAt();
  }

  /**
   * Forgets producers silent for `producerTtlMs`, found through their
   * idleness index (`pidl|`, ordered by time) rather than by holding every
   * producer in memory. An entry is written when a producer is first seen
   * and not on every append, so it may be older than the producer's last
   * send: such a producer is indexed again at its last send instead of being
   * forgotten, and checked again one TTL after that.
   */
  private async forgetIdleProducers(): Promise<void> {
    const ttl = this.s.config.producerTtlMs;
    const now = this.s.clock.now();
    if (this.s.oldestProducerCheck === undefined || this.s.oldestProducerCheck + ttl > now) return;
    const cutoff = now - ttl;
    this.s.beginProducerCheckRefresh();
    try {
      for (;;) {
        const generation = this.s.generation;
        const rows = await this.s.store.scan({
          start: this.s.keys.producerIdlePrefix(),
          end: this.s.keys.producerIdle(cutoff, ""),
          limit: IDLE_PAGE,
        });
        if (rows.length === 0) break;
        const ids = rows.map(([key]) => lastPart(key));
        const windows = await Promise.all(ids.map((id) => this.s.producers.acquire(id)));
        try {
          await this.s.mutate((ops) => {
            rows.forEach(([key], i) => {
              const id = ids[i]!;
              const window = windows[i]!;
              const at = decodeNum(key.split("|").at(-2)!);
              if (window.indexedAt !== at) {
                // A stale entry (the producer was indexed again, or forgotten): drop it.
                ops.push({ type: "delete", key });
                return;
              }
              // Seen since it was indexed, or in use by a send in flight (which stamps it
              // now): check it again one TTL after that.
              const busy = this.s.producers.pinnedByOthers(id);
              if (busy || window.lastSeenAt >= cutoff) {
                this.s.indexProducer(ops, id, window, busy ? now : window.lastSeenAt);
                window.writeOps(ops, this.s.keys, id);
                return;
              }
              ops.push({ type: "delete", key });
              window.deleteOps(ops, this.s.keys, id);
              // What the store will hold: no window. Pinned here until the write is durable.
              this.s.producers.replace(id, new ProducerWindow());
            });
          }, generation);
        } finally {
          for (const id of ids) this.s.producers.release(id);
        }
        if (rows.length < IDLE_PAGE) break;
      }
    } finally {
      await this.s.endProducerCheckRefresh();
    }
  }
}

/** Idle producers handled per write. */
const IDLE_PAGE = 256;
