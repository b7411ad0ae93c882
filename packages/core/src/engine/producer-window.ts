import { EdgeqError } from "../errors.js";
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
  /**
   * The producer's session, for producers that declare one (Kafka's
   * idempotent producer epoch): a newer epoch fences every older one, and
   * its seqs start again at 0. 0 for producers that never declared one.
   */
  epoch: number;
  lastSeenAt: number;
  /** The time of this producer's idleness index entry; undefined while it has none. */
  indexedAt: number | undefined;

  constructor(record?: ProducerRecord) {
    this.runs = record ? record.runs.map((r) => [...r] as SeqRun) : [];
    this.floor = record?.floor ?? -1;
    this.epoch = record?.epoch ?? 0;
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

  /** One past the highest seq seen in this session (0 for a new one). */
  nextSeq(): number {
    let highest = this.floor;
    for (const [start, count] of this.runs) highest = Math.max(highest, start + count - 1);
    return highest + 1;
  }

  /**
   * Admits a batch of a producer that declares sessions (Kafka's idempotent
   * producer): `epoch` must not be older than the window's, a newer epoch
   * starts again at seq 0 and forgets the older session's seqs, and seqs are
   * gapless: each new one is exactly the next, anything below it is a retry.
   * Throws before changing anything: `forbidden` for a fenced (older) epoch
   * with `details.epoch` the current one, `invalid_request` for a new epoch
   * not starting at 0, `conflict` for a gap with `details.expectedSeq` and
   * `details.receivedSeq`.
   */
  admit(epoch: number, seqs: readonly number[]): void {
    this.checkEpoch(epoch, seqs[0]);
    const fresh = epoch > this.epoch;
    let expected = fresh ? 0 : this.nextSeq();
    for (const seq of seqs) {
      if (seq < expected) continue;
      if (seq > expected) throw gap(expected, seq);
      expected++;
    }
    if (fresh) {
      this.epoch = epoch;
      this.runs = [];
      this.floor = -1;
    }
  }

  /** What `admit` would make of seq `seq` of session `epoch` (throwing as it would), changing nothing. */
  classify(epoch: number, seq: number): "new" | "duplicate" {
    this.checkEpoch(epoch, seq);
    const expected = epoch > this.epoch ? 0 : this.nextSeq();
    if (seq > expected) throw gap(expected, seq);
    return seq < expected ? "duplicate" : "new";
  }

  private checkEpoch(epoch: number, firstSeq: number | undefined): void {
    if (epoch < this.epoch)
      throw new EdgeqError(
        "forbidden",
        `producer epoch ${epoch} is fenced: epoch ${this.epoch} took over`,
        { details: { epoch: this.epoch } },
      );
    if (epoch > this.epoch && firstSeq !== 0)
      throw new EdgeqError("invalid_request", `a new producer epoch starts at seq 0`);
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
      ...(this.epoch === 0 ? {} : { epoch: this.epoch }),
      ...(this.indexedAt === undefined ? {} : { idx: this.indexedAt }),
    };
  }
}

function gap(expected: number, received: number): EdgeqError {
  return new EdgeqError("conflict", `producer seq ${received} leaves a gap: expected ${expected}`, {
    details: { expectedSeq: expected, receivedSeq: received },
  });
}
