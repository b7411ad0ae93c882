import type { ReplicaStatus } from "../model.js";
import type { StoreEntry, StoreOp } from "../store/store.js";

/**
 * One atomic `Store.write` of the primary, numbered: what replicas apply, in
 * order, to hold the same records. `seq` is dense from 1; `term` is the
 * primary's term when it wrote the batch; `at` the primary's clock then
 * (the replicas' lag in milliseconds is measured against it).
 */
export interface ReplicationBatch {
  seq: number;
  term: number;
  at: number;
  ops: StoreOp[];
}

/**
 * When each term began: `start` is the first batch number written in `term`.
 * Two members whose histories give the same term for a batch number hold the
 * same batches up to it (each term has one primary, which only appends), so
 * a follower checks its last batch against the primary's history instead of
 * shipping batches back.
 */
export interface TermStart {
  term: number;
  start: number;
}

/** What a primary sends with every call: who it is and where its history comes from. */
export interface PrimaryIdentity {
  term: number;
  /** The primary's name, as the host addresses it (a pointer for fenced callers). */
  primary: string;
  /** Every term of the primary's history, oldest first. */
  terms: TermStart[];
}

/** Batches to apply, contiguous and in order. */
export interface ApplyRequest extends PrimaryIdentity {
  batches: ReplicationBatch[];
}

/**
 * One page of a snapshot: every record the primary holds (but its own
 * replication records) in key order, in pages. The first page tells the
 * replica to drop what it holds; the last one (`done`) that it now holds
 * everything up to batch `base`, after which batches `base + 1`… follow.
 */
export interface SnapshotPage extends PrimaryIdentity {
  base: number;
  first: boolean;
  done: boolean;
  entries: StoreEntry[];
}

/**
 * A replica's answer. `applied` is the last batch it holds:
 * - `ok`: everything sent is stored durably;
 * - `gap`: the batches sent start past `applied + 1`: send from there;
 * - `snapshot`: its records cannot follow this primary's batches (it is too
 *   far behind, its history diverged, or a snapshot was cut off): send one;
 * - `fenced`: it knows a newer term, so the caller is no longer the primary;
 *   `primary` names the one it follows (or itself).
 */
export type ReplicaAnswer =
  | { status: "ok" | "gap" | "snapshot"; applied: number; term: number }
  | { status: "fenced"; applied: number; term: number; primary: string };

/**
 * How a primary reaches one replica: a Durable Object stub in the Worker,
 * an in-process applier in tests. Each call may fail or hang (a link with
 * its own deadline rejects); the primary then counts the replica as lagging.
 */
export interface ReplicaLink {
  /** Sends batches to apply (none: asks where the replica stands); resolves once they are durable there. */
  apply(request: ApplyRequest): Promise<ReplicaAnswer>;
  /** Sends one page of a snapshot; resolves once the replica stored it. */
  snapshot(page: SnapshotPage): Promise<ReplicaAnswer>;
}

/** A replicated store's position and its replicas. */
export interface ReplicationStatus {
  role: "primary" | "replica";
  term: number;
  /** The last batch written (primary) or applied (replica). */
  seq: number;
  replicas: ReplicaStatus[];
  /** Set once a newer primary fenced this one. */
  fencedBy?: { term: number; primary: string };
}
