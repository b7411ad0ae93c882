import { EdgeqError } from "../errors.js";
import type { Store, StoreOp } from "../store/store.js";
import {
  clearShippedOps,
  clearTailOp,
  initialRecord,
  loadRecord,
  type ReplicationRecord,
  recordOp,
  tailOps,
  termAt,
} from "./replication-log.js";
import type {
  ApplyRequest,
  PrimaryIdentity,
  ReplicaAnswer,
  SnapshotPage,
} from "./replication-types.js";

/** Options of a ReplicaApplier. */
export interface ReplicaApplierOptions {
  /** This member's name, as a primary would be addressed (what fenced callers are pointed to once promoted). */
  name: string;
  /** Key prefixes the host keeps for itself: never overwritten or cleared by a snapshot. Default none. */
  localPrefixes?: readonly string[];
  /** Batches kept after they are applied, so this replica can feed others once promoted. Default 256. */
  tailBatches?: number;
}

/**
 * One replica's side of replication: applies numbered batches in order to
 * its own Store, each in one atomic write together with its position, so a
 * crash between two batches leaves it at one of them and a batch sent twice
 * is applied once. A gap, a diverged history or an unfinished snapshot is
 * answered with what it needs; the primary drives the catch-up.
 *
 * Calls are applied one at a time, in arrival order.
 */
export class ReplicaApplier {
  private record: ReplicationRecord | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly localPrefixes: readonly string[];
  private readonly tailBatches: number;

  constructor(
    readonly store: Store,
    private readonly options: ReplicaApplierOptions,
  ) {
    this.localPrefixes = options.localPrefixes ?? [];
    this.tailBatches = options.tailBatches ?? 256;
  }

  /** Applies contiguous batches; answers where this replica stands. */
  apply(request: ApplyRequest): Promise<ReplicaAnswer> {
    return this.serial(async () => {
      const rec = { ...(await this.current()) };
      const refused = this.check(rec, request);
      if (refused) return refused;
      const ops: StoreOp[] = [];
      for (const batch of request.batches) {
        if (batch.seq <= rec.seq) continue; // a repeat: already applied
        if (batch.seq > rec.seq + 1) break; // a gap: the answer asks for what is missing
        rec.seq = batch.seq;
        rec.lastAt = batch.at;
        ops.push(...batch.ops, ...tailOps(batch, this.tailBatches));
      }
      // Durability invariant: the batches, their place in the tail and the new position are
      // one write (several batches at once stay in order and all-or-nothing). A new term is
      // written even with no batch: a restart must not forget whom it follows.
      if (ops.length > 0 || rec.term !== this.record?.term) {
        await this.store.write([...ops, recordOp(rec)]);
        this.record = { ...rec };
      }
      const last = request.batches[request.batches.length - 1];
      const status = last !== undefined && last.seq > rec.seq ? "gap" : "ok";
      return { status, applied: rec.seq, term: rec.term };
    });
  }

  /** Applies one page of a snapshot (see `SnapshotPage`). */
  snapshot(page: SnapshotPage): Promise<ReplicaAnswer> {
    return this.serial(async () => {
      const rec = await this.current();
      if (page.term < rec.term || (rec.role === "primary" && page.term === rec.term))
        return this.fenced(rec);
      if (!page.first && rec.snapshotBase !== page.base)
        return { status: "snapshot", applied: rec.seq, term: rec.term };
      const { fencedBy: _, ...kept } = rec;
      const next: ReplicationRecord = {
        ...kept,
        role: "replica",
        term: page.term,
        terms: page.terms,
        primary: page.primary,
        ...(page.done ? { seq: page.base } : { snapshotBase: page.base }),
      };
      if (page.done) delete next.snapshotBase;
      const ops: StoreOp[] = page.first
        ? [...clearShippedOps(this.localPrefixes), clearTailOp()]
        : [];
      for (const [key, value] of page.entries) ops.push({ type: "put", key, value });
      ops.push(recordOp(next));
      await this.store.write(ops);
      this.record = next;
      return { status: "ok", applied: next.seq, term: next.term };
    });
  }

  /**
   * Makes this replica a primary of a new term, one above any it has seen.
   * Refused (`conflict`) while a snapshot is half applied: its records are
   * then incomplete. Answers the record the host opens a primary over.
   */
  promote(): Promise<ReplicationRecord> {
    return this.serial(async () => {
      const rec = await this.current();
      if (rec.snapshotBase !== undefined)
        throw new EdgeqError("conflict", "this replica is receiving a snapshot: it cannot lead");
      if (rec.role === "primary") return rec;
      const term = rec.term + 1;
      const next: ReplicationRecord = {
        role: "primary",
        term,
        seq: rec.seq,
        terms: [...rec.terms, { term, start: rec.seq + 1 }],
        primary: this.options.name,
      };
      await this.store.write([recordOp(next)]);
      this.record = next;
      return next;
    });
  }

  /** Where this replica stands: its term and the last batch it holds whole. */
  async position(): Promise<ReplicationRecord> {
    return { ...(await this.current()) };
  }

  /** Forgets what it read: the next call reads the store again (another writer changed it). */
  reload(): void {
    this.record = undefined;
  }

  /** Why `request` cannot be applied as it is, or undefined when it can. */
  private check(rec: ReplicationRecord, request: PrimaryIdentity): ReplicaAnswer | undefined {
    if (request.term < rec.term || (rec.role === "primary" && request.term === rec.term))
      return this.fenced(rec);
    if (rec.snapshotBase !== undefined)
      return { status: "snapshot", applied: rec.seq, term: rec.term };
    if (request.term > rec.term || rec.role === "primary") {
      // A new primary: follow it only if our last batch is one it has too.
      if (termAt(request.terms, rec.seq) !== termAt(rec.terms, rec.seq))
        return { status: "snapshot", applied: rec.seq, term: rec.term };
      rec.role = "replica";
      delete rec.fencedBy;
      rec.term = request.term;
      rec.terms = request.terms;
      rec.primary = request.primary;
      // Written with the next batch; until then memory and store agree on every batch held.
    }
    // The first call of a primary of the same term (a new replica, or a restart): note who it is.
    rec.primary = request.primary;
    return undefined;
  }

  private fenced(rec: ReplicationRecord): ReplicaAnswer {
    return { status: "fenced", applied: rec.seq, term: rec.term, primary: rec.primary };
  }

  private async current(): Promise<ReplicationRecord> {
    this.record ??= (await loadRecord(this.store)) ?? initialRecord("replica", "");
    return this.record;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
