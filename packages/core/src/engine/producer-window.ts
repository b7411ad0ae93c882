import type { PositionKind, ProducerRecord, SeqRun } from "./records.js";

export type SeqLookup =
  | { found: true; kind: PositionKind; n: number }
  /** Seen before, but its position aged out of the window. */
  | { found: true; kind: undefined; n: undefined }
  | { found: false };

/**
 * The idempotent-producer memory of one producer on one queue: which sequence
 * numbers were stored, and where. Bounded: it keeps the latest `window` runs of
 * consecutive seqs (a batch is usually one run) and a floor below which every
 * seq counts as seen. Producers send in order and retry only what was not
 * acknowledged, so a retry falls inside the window however late it comes;
 * out-of-order arrivals above the floor are still told apart from retries.
 */
export class ProducerWindow {
  private runs: SeqRun[];
  private floor: number;
  lastSeenAt: number;
  /** The time of this producer's idleness index entry; undefined while it has none. */
  indexedAt: number | undefined;

  constructor(record?: ProducerRecord) {
    this.runs = record ? record.runs.map((r) => [...r] as SeqRun) : [];
    this.floor = record?.floor ?? -1;
    this.lastSeenAt = record?.lastSeenAt ?? 0;
    this.indexedAt = record?.idx;
  }

  lookup(seq: number): SeqLookup {
    // Newest first: retries are almost always of the latest batches.
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const [start, count, pos, kind] = this.runs[i]!;
      if (seq >= start && seq < start + count) return { found: true, kind, n: pos + (seq - start) };
    }
    if (seq <= this.floor) return { found: true, kind: undefined, n: undefined };
    return { found: false };
  }

  record(seq: number, kind: PositionKind, n: number, window: number): void {
    const last = this.runs[this.runs.length - 1];
    if (last && last[3] === kind && seq === last[0] + last[1] && n === last[2] + last[1]) {
      last[1]++;
      return;
    }
    this.runs.push([seq, 1, n, kind]);
    while (this.runs.length > window) {
      const [start, count] = this.runs.shift()!;
      this.floor = Math.max(this.floor, start + count - 1);
    }
  }

  toRecord(): ProducerRecord {
    return {
      runs: this.runs.map((r) => [...r] as SeqRun),
      floor: this.floor,
      lastSeenAt: this.lastSeenAt,
      ...(this.indexedAt === undefined ? {} : { idx: this.indexedAt }),
    };
  }
}
