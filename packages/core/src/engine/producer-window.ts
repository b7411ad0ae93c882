import type { PositionKind, ProducerRecord, RunRecord, SeqRun } from "./records.js";

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
 *
 * Stored as a small head record (floor, last seen, run count) plus one record
 * per run in a ring of `window` slots (`prun|`), so an append writes the runs
 * it touched and the head, not the whole window: a producer interleaved with
 * others starts a run per message, and rewriting 128 runs for each cost the
 * engine most of its time. Run `n` lives in slot `n % window`; a new run
 * overwrites the slot of the run it pushes out.
 */
export class ProducerWindow {
  private runs: SeqRun[];
  /** The run number of `runs[0]`; run `i` is number `first + i`. */
  private first: number;
  private floor: number;
  lastSeenAt: number;
  /** The time of this producer's idleness index entry; undefined while it has none. */
  indexedAt: number | undefined;
  /** Run numbers changed since the last `persist`. */
  private dirty = new Set<number>();
  /** Loaded from a record of the older one-record layout: the next persist writes every run. */
  private legacy: boolean;

  constructor(record?: ProducerRecord, runRecords: readonly RunRecord[] = []) {
    this.floor = record?.floor ?? -1;
    this.lastSeenAt = record?.lastSeenAt ?? 0;
    this.indexedAt = record?.idx;
    this.legacy = record?.runs !== undefined;
    if (record?.runs) {
      this.runs = record.runs.map((r) => [...r] as SeqRun);
      this.first = 0;
    } else {
      // One record per run number (after a window resize two slots may hold copies: the longer is newer).
      const byN = new Map<number, RunRecord>();
      for (const r of runRecords) if ((byN.get(r[4])?.[1] ?? -1) < r[1]) byN.set(r[4], r);
      const sorted = [...byN.values()].sort((a, b) => a[4] - b[4]);
      const next = record?.next ?? (sorted.length ? sorted[sorted.length - 1]![4] + 1 : 0);
      // A slot may still hold a run older than the window (the window was made smaller since).
      const kept = sorted.filter((r) => r[4] >= next - (record?.window ?? sorted.length));
      this.runs = kept.map((r) => [r[0], r[1], r[2], r[3]] as SeqRun);
      this.first = next - this.runs.length;
      for (const r of sorted)
        if (!kept.includes(r)) this.floor = Math.max(this.floor, r[0] + r[1] - 1);
    }
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
      this.dirty.add(this.first + this.runs.length - 1);
      return;
    }
    this.runs.push([seq, 1, n, kind]);
    this.dirty.add(this.first + this.runs.length - 1);
    while (this.runs.length > window) {
      const [start, count] = this.runs.shift()!;
      this.dirty.delete(this.first);
      this.first++;
      this.floor = Math.max(this.floor, start + count - 1);
    }
  }

  /** The head record and the run records changed since the last call, as stored. */
  persist(window: number): { head: ProducerRecord; runs: RunRecord[] } {
    const changed = this.legacy ? this.runs.map((_, i) => this.first + i) : [...this.dirty];
    this.legacy = false;
    this.dirty.clear();
    const runs = changed
      .filter((n) => n >= this.first && n < this.first + this.runs.length)
      .map((n) => {
        const [start, count, pos, kind] = this.runs[n - this.first]!;
        return [start, count, pos, kind, n] as RunRecord;
      });
    const head: ProducerRecord = {
      floor: this.floor,
      lastSeenAt: this.lastSeenAt,
      next: this.first + this.runs.length,
      window,
      ...(this.indexedAt === undefined ? {} : { idx: this.indexedAt }),
    };
    return { head, runs };
  }

  /** The whole window in the one-record layout (tests, and reading it at a glance). */
  toRecord(): ProducerRecord {
    return {
      runs: this.runs.map((r) => [...r] as SeqRun),
      floor: this.floor,
      lastSeenAt: this.lastSeenAt,
      ...(this.indexedAt === undefined ? {} : { idx: this.indexedAt }),
    };
  }
}
