import type { Leases } from "./leases.js";
import type { QueueState } from "./queue-state.js";
import { fromJson, type ScheduledRecord, type Segment, type StoredMessage } from "./records.js";
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
    for (const due of this.s.scheduled.values()) consider(due);
    const now = this.s.clock.now();
    for (const g of this.s.groups.values()) consider(g.nextChange(now));
    if (this.s.oldestAt !== undefined) consider(this.s.oldestAt + this.s.config.retentionMs);
    const c = this.s.config;
    if (this.s.meta.head - this.s.meta.minOffset > c.maxMessages || this.s.meta.bytes > c.maxBytes)
      consider(this.s.clock.now());
    for (const p of this.s.producers.values()) consider(p.lastSeenAt + c.producerTtlMs);
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

  private async releaseScheduled(): Promise<void> {
    const now = this.s.clock.now();
    const generation = this.s.generation;
    const due = await this.s.store.scan({
      start: this.s.keys.scheduledPrefix(),
      end: this.s.keys.scheduled(now + 1, 0),
      limit: this.s.config.maxBatchMessages,
    });
    if (due.length === 0) return;
    const head = await this.s.mutate((ops, at) => {
      const msgs: StoredMessage[] = [];
      let bytes = 0;
      for (const [key, value] of due) {
        const rec = fromJson<ScheduledRecord>(value);
        if (!this.s.scheduled.delete(rec.sid)) continue;
        const offset = this.s.meta.head + msgs.length;
        msgs.push(rec.msg);
        bytes += rec.msg.size;
        ops.push({ type: "delete", key });
        ops.push({ type: "put", key: this.s.keys.sid(rec.sid), value: offset });
        if (rec.msg.key !== undefined && this.s.indexKeys)
          ops.push({ type: "put", key: this.s.keys.keyIndex(rec.msg.key, offset), value: offset });
      }
      if (msgs.length) this.s.appendSegment(ops, msgs, bytes, at);
      ops.push(this.s.metaOp());
      return this.s.meta.head;
    }, generation);
    this.s.advanceDurableHead(head);
    if (due.length === this.s.config.maxBatchMessages) await this.releaseScheduled();
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
      this.s.meta.minOffset = target;
      this.s.meta.bytes -= freed;
      ops.push(this.s.metaOp());
    }, generation);
    const [oldest] = await this.s.store.scan({ prefix: this.s.keys.segmentPrefix(), limit: 1 });
    this.s.oldestAt = oldest ? fromJson<Segment>(oldest[1]).lastAt : undefined;
  }

  private async forgetIdleProducers(): Promise<void> {
    const cutoff = this.s.clock.now() - this.s.config.producerTtlMs;
    const idle = [...this.s.producers].filter(([, w]) => w.lastSeenAt < cutoff).map(([id]) => id);
    if (idle.length === 0) return;
    await this.s.mutate((ops) => {
      for (const id of idle) {
        this.s.producers.delete(id);
        ops.push({ type: "delete", key: this.s.keys.producer(id) });
      }
    });
  }
}
