import { EdgeqError } from "../errors.js";
import type { StoreOp } from "../store/store.js";
import {
  type PositionKind,
  type ProducerRecord,
  type QueueKeys,
  type SeqRun,
  toJson,
} from "./records.js";

export type SeqLookup =
  | { found: true; kind: PositionKind; n: number }
  /** Seen before, but its position aged out of the window. */
  | { found: true; kind: undefined; n: undefined }
  | { found: false };

/**
 * Runs per chunk record. A window's older runs are kept in chunk records of
 * this many, written once when full; the producer record holds only the
 * newest (at most this many), so an append writes a few runs, not the window.
 */
export const RUNS_PER_CHUNK = 8;

/**
 * The idempotent-producer memory of one producer on one queue: which sequence
 * numbers were stored, and where. Bounded: it keeps the latest `window` runs of
 * consecutive seqs (a batch is usually one run) and a floor below which every
 * seq counts as seen. Producers send in order and retry only what was not
 * acknowledged, so a retry falls inside the window however late it comes;
 * out-of-order arrivals above the floor are still told apart from retries.
 *
 * Stored so that a write is proportional to the change: interleaved producers
 * never extend a run, so each of their appends adds one, and rewriting the
 * whole window (up to `window` runs) for it would dominate the append. Every
 * run the window ever had has an index; runs below `sealed` live in chunk
 * records (`RUNS_PER_CHUNK` each, chunk c holding indexes [c·K, c·K + K)),
 * written once, deleted once all their runs aged out; the rest live in the
 * producer record.
 */
export class ProducerWindow {
  private runs: SeqRun[];
  private floor: number;
  /** The highest seq seen (the floor, or a run's last): a new seq, above it, needs no search. */
  private highest: number;
  /** The index of `runs[0]` among every run this window had. */
  private base: number;
  /** Runs with a lower index are in chunk records; a multiple of `RUNS_PER_CHUNK`. */
  private sealed: number;
  /** Chunk records to write, and to delete, with the next producer record. */
  private readonly chunkPuts = new Map<number, SeqRun[]>();
  private readonly chunkDeletes = new Set<number>();
  /**
   * The producer's session, for producers that declare one (Kafka's
   * idempotent producer epoch): a newer epoch fences every older one, and
   * its seqs start again at 0. 0 for producers that never declared one.
   */
  epoch: number;
  lastSeenAt: number;
  /** The time of this producer's idleness index entry; undefined while it has none. */
  indexedAt: number | undefined;

  /**
   * From the producer record and its chunk records' runs in key order, as
   * `writeOps` left them; a record written before chunks existed has every
   * run in `runs`.
   */
  constructor(record?: ProducerRecord, chunks: ReadonlyArray<readonly SeqRun[]> = []) {
    const open = record ? record.runs.map((r) => [...r] as SeqRun) : [];
    const chunked = chunks.flatMap((runs) => runs.map((r) => [...r] as SeqRun));
    this.runs = [...chunked, ...open];
    this.sealed = record?.sealed ?? 0;
    // Chunks end where the record's runs begin. (When runs of the record aged out too,
    // there are no chunks left, and numbering from `sealed` again changes nothing.)
    this.base = this.sealed - chunked.length;
    this.floor = record?.floor ?? -1;
    this.highest = this.runs.reduce(
      (h, [start, count]) => Math.max(h, start + count - 1),
      this.floor,
    );
    this.epoch = record?.epoch ?? 0;
    this.lastSeenAt = record?.lastSeenAt ?? 0;
    this.indexedAt = record?.idx;
  }

  /** A new window with the same runs, floor and epoch, stored nowhere yet (no chunks, no index entry). */
  copy(): ProducerWindow {
    const { runs, floor, lastSeenAt, epoch } = this;
    return new ProducerWindow({
      runs,
      floor,
      lastSeenAt,
      ...(epoch === 0 ? {} : { epoch }),
    });
  }

  lookup(seq: number): SeqLookup {
    if (seq > this.highest) return { found: false };
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
    return this.highest + 1;
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
      this.forgetRuns();
      this.floor = this.highest = -1;
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
    this.highest = Math.max(this.highest, seq);
    // The last run is never in a chunk (see `seal`), so extending it changes the producer record only.
    const last = this.runs[this.runs.length - 1];
    if (last && last[3] === kind && seq === last[0] + last[1] && n === last[2] + last[1]) {
      last[1]++;
      return;
    }
    this.runs.push([seq, 1, n, kind]);
    this.seal();
    while (this.runs.length > window) {
      const [start, count] = this.runs.shift()!;
      this.floor = Math.max(this.floor, start + count - 1);
      const index = this.base++;
      // The last run of a sealed chunk aged out: the whole chunk has.
      if (index < this.sealed && (index + 1) % RUNS_PER_CHUNK === 0)
        this.dropChunk((index + 1) / RUNS_PER_CHUNK - 1);
    }
  }

  /** Moves full chunks out of the producer record, keeping the last run (which may still grow) in it. */
  private seal(): void {
    const end = this.base + this.runs.length;
    while (end - this.sealed > RUNS_PER_CHUNK) {
      // Those of its runs still here (a window smaller than a chunk drops some before they
      // are sealed); its last one always is, as the window keeps it and the new run.
      const runs = this.runs.slice(
        Math.max(0, this.sealed - this.base),
        this.sealed + RUNS_PER_CHUNK - this.base,
      );
      this.chunkPuts.set(this.sealed / RUNS_PER_CHUNK, runs);
      this.sealed += RUNS_PER_CHUNK;
    }
  }

  private dropChunk(chunk: number): void {
    this.chunkPuts.delete(chunk);
    this.chunkDeletes.add(chunk);
  }

  /** Drops every run and the chunks that hold them; later runs are numbered from a fresh chunk. */
  private forgetRuns(): void {
    for (let c = Math.floor(this.base / RUNS_PER_CHUNK); c * RUNS_PER_CHUNK < this.sealed; c++)
      this.dropChunk(c);
    const end = this.base + this.runs.length;
    this.runs = [];
    this.highest = this.floor;
    this.sealed = this.base = Math.ceil(end / RUNS_PER_CHUNK) * RUNS_PER_CHUNK;
  }

  /** The producer record: the runs not in chunks. */
  toRecord(): ProducerRecord {
    return {
      runs: this.runs.slice(Math.max(0, this.sealed - this.base)).map((r) => [...r] as SeqRun),
      floor: this.floor,
      lastSeenAt: this.lastSeenAt,
      ...(this.sealed === 0 ? {} : { sealed: this.sealed }),
      ...(this.epoch === 0 ? {} : { epoch: this.epoch }),
      ...(this.indexedAt === undefined ? {} : { idx: this.indexedAt }),
    };
  }

  /** What the store needs since the last call: new chunks, aged-out ones, the producer record. */
  writeOps(ops: StoreOp[], keys: QueueKeys, producerId: string): void {
    for (const chunk of this.chunkDeletes)
      ops.push({ type: "delete", key: keys.producerChunk(producerId, chunk) });
    for (const [chunk, runs] of this.chunkPuts)
      ops.push({ type: "put", key: keys.producerChunk(producerId, chunk), value: toJson(runs) });
    this.chunkDeletes.clear();
    this.chunkPuts.clear();
    ops.push({ type: "put", key: keys.producer(producerId), value: toJson(this.toRecord()) });
  }

  /** Ops that delete the window from the store: its record and every chunk. */
  deleteOps(ops: StoreOp[], keys: QueueKeys, producerId: string): void {
    this.forgetRuns();
    for (const chunk of this.chunkDeletes)
      ops.push({ type: "delete", key: keys.producerChunk(producerId, chunk) });
    this.chunkDeletes.clear();
    this.chunkPuts.clear();
    ops.push({ type: "delete", key: keys.producer(producerId) });
  }
}

function gap(expected: number, received: number): EdgeqError {
  return new EdgeqError("conflict", `producer seq ${received} leaves a gap: expected ${expected}`, {
    details: { expectedSeq: expected, receivedSeq: received },
  });
}
