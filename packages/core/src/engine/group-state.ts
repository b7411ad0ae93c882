import type { GroupRecord, PendingRecord } from "./records.js";

/**
 * One consumer group's view of one queue, held in memory by the engine (the
 * single writer) and mirrored to `grp|` and `pend|` records.
 */
export class GroupState {
  constructor(
    readonly name: string,
    public record: GroupRecord = { offset: null, cursor: null, deadLetters: 0 },
    readonly pending: Map<number, PendingRecord> = new Map(),
  ) {}

  /**
   * Where delivery resumes after a crash (C2 in docs/architecture.md): in lease mode, the lowest
   * offset still in its first delivery, else the cursor, so messages finished
   * out of order never move it past one still in process. Retries do not hold
   * it back: they live in the retry queue (RocketMQ moves the offset on once a
   * message is sent back).
   */
  committedOffset(minOffset: number): number {
    let committed = this.record.offset ?? minOffset;
    if (this.record.cursor !== null) {
      let lowest = this.record.cursor;
      for (const [offset, p] of this.pending) if (p.first && offset < lowest) lowest = offset;
      committed = Math.max(committed, lowest);
    }
    return Math.max(committed, minOffset);
  }

  /** Entries a receive may hand out now: retries that are due and leases that ran out, earliest first. */
  ready(now: number): number[] {
    const due: Array<[number, number]> = [];
    for (const [offset, p] of this.pending) if (p.visibleAt <= now) due.push([p.visibleAt, offset]);
    due.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return due.map(([, offset]) => offset);
  }

  /** Leases that ran out without an ack. */
  expired(now: number): number[] {
    const out: number[] = [];
    for (const [offset, p] of this.pending)
      if (p.leaseId !== 0 && p.visibleAt <= now) out.push(offset);
    return out;
  }

  inFlight(now: number): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.leaseId !== 0 && p.visibleAt > now) n++;
    return n;
  }

  /** Messages held back by their key's order or flow limit (never delivered yet). */
  waiting(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.waiting) n++;
    return n;
  }

  retrying(now: number): number {
    return this.pending.size - this.inFlight(now) - this.waiting();
  }

  /** The earliest moment something in this group changes by itself. */
  nextChange(now: number): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) {
      // A retry already visible waits for a receive, not for a time: waking for it
      // would set a host's alarm in the past, and that alarm would fire again at once.
      if (p.leaseId === 0 && p.visibleAt <= now) continue;
      if (next === undefined || p.visibleAt < next) next = p.visibleAt;
    }
    return next;
  }

  /** Lowest offset whose delivery still needs the log (retention must keep it). */
  lowestNeeded(): number | undefined {
    let lowest: number | undefined;
    for (const [offset, p] of this.pending)
      if (!p.copy && (lowest === undefined || offset < lowest)) lowest = offset;
    return lowest;
  }
}
