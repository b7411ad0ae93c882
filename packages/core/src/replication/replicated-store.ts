import type { Clock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type { JsonValue } from "../model.js";
import {
  rangeBounds,
  type Store,
  type StoreEntry,
  type StoreOp,
  type StoreRange,
} from "../store/store.js";
import { type FeedSource, ReplicaFeed } from "./replica-feed.js";
import {
  initialRecord,
  isShipped,
  loadRecord,
  outsideReplication,
  type ReplicationRecord,
  readShippedPage,
  readTail,
  recordOp,
  tailOps,
} from "./replication-log.js";
import type {
  PrimaryIdentity,
  ReplicaAnswer,
  ReplicaLink,
  ReplicationBatch,
  ReplicationStatus,
} from "./replication-types.js";

/** How a primary replicates (a topic's `replication` setting, plus the host's links). */
export interface ReplicatedStoreOptions {
  /** This primary's name: what a fenced caller is pointed to, and what replicas record as their primary. */
  name: string;
  /** One link per replica, by replica index. */
  links: readonly ReplicaLink[];
  /**
   * `sync`: a write resolves only after `acks` replicas stored its batch durably;
   * `async`: once the primary stored it, replicas fed in the background.
   */
  mode: "sync" | "async";
  /** Replicas that must hold a batch before a `sync` write resolves. Default 1. */
  acks?: number;
  /** For batch times (the replicas' lag in milliseconds). */
  clock: Clock;
  /** How long a `sync` write waits for its acks before counting the slow replicas out. Default 2,000. */
  ackTimeoutMs?: number;
  /** What a refused write tells the client to wait before retrying. Default 1,000. */
  retryAfterMs?: number;
  /** Batches kept in the store for replicas that fall behind; older ones need a snapshot. Default 256. */
  tailBatches?: number;
  /** Key prefixes the host keeps for itself: not replicated. Default none. */
  localPrefixes?: readonly string[];
  /** Async mode: how long after a write its batch waits for others to travel with. Default 100. */
  asyncDelayMs?: number;
  /** Batches per call to a replica. Default 64. */
  maxBatchesPerCall?: number;
  /** Records per snapshot page. Default 256. */
  snapshotPageSize?: number;
}

/** About how much one snapshot page carries: well under a Durable Object RPC's 32 MiB. */
const SNAPSHOT_PAGE_BYTES = 4 * 1024 * 1024;

/** Batches kept in memory for the feeds (the rest are read back from the tail). */
const RECENT_BATCHES = 64;

/**
 * Opens the primary over `inner`, as every store is opened (`openMemoryStore`,
 * `openIdbStore`, `openSqliteStore`, `openKvStore`). A store that was a
 * replica must be promoted first (`ReplicaApplier.promote`). A primary that
 * has written nothing in its term yet (brand new, or just promoted) first asks
 * its replicas where they stand, within the ack deadline: that announces its
 * term, and a replica holding batches a brand-new primary lacks means the
 * primary's storage was lost, so it fences itself.
 *
 * @example
 * ```ts
 * // One replica in this process; across Durable Objects the link is an RPC stub.
 * const applier = new ReplicaApplier(await openMemoryStore(), { name: "r1" });
 * const store = await openReplicatedStore(await openMemoryStore(), {
 *   name: "p",
 *   mode: "sync",
 *   links: [new LocalReplicaLink(applier)],
 * });
 * ```
 */
export async function openReplicatedStore(
  inner: Store,
  options: ReplicatedStoreOptions,
): Promise<ReplicatedStore> {
  const store = new ReplicatedStore(inner, options);
  await store.start();
  return store;
}

/**
 * The Store of a replicated queue's primary. Each `write` becomes one
 * numbered batch: its ops, the batch itself in the retained tail and the new
 * position go to the primary's store in ONE atomic write; then the batch
 * ships to every replica through its `ReplicaLink`.
 *
 * Order of a `sync` write, the durability invariant of replication: local
 * write, then `acks` replicas, then the caller hears success. If fewer than
 * `acks` replicas are in sync the write is refused before anything is
 * written (`unavailable`, with `retryAfterMs`); if the replicas fail or time
 * out after the local write, the caller gets the same error although the
 * primary holds the batch: like any unacknowledged write, a retry of it then
 * answers `duplicate`, and the retry's own write ships the batch first
 * (replicas apply in order), so a duplicate answer is never given before the
 * replicas hold the original.
 *
 * A primary that learns of a newer term (a replica was promoted) is fenced:
 * every later write is refused with `conflict` and a pointer to the new one.
 */
export class ReplicatedStore implements Store {
  private record!: ReplicationRecord;
  private readonly feeds: ReplicaFeed[];
  private readonly recent = new Map<number, ReplicationBatch>();
  /** Batch times of the retained tail, for lag in milliseconds. */
  private readonly times = new Map<number, number>();
  private chain: Promise<unknown> = Promise.resolve();
  private feedTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly acks: number;
  private readonly tailBatches: number;
  private readonly localPrefixes: readonly string[];

  /** @internal Use `openReplicatedStore`. */
  constructor(
    readonly inner: Store,
    private readonly options: ReplicatedStoreOptions,
  ) {
    this.acks = options.acks ?? 1;
    this.tailBatches = options.tailBatches ?? 256;
    this.localPrefixes = options.localPrefixes ?? [];
    if (options.mode === "sync" && (this.acks < 1 || this.acks > options.links.length))
      throw new EdgeqError("invalid_request", `acks must be 1…${options.links.length}`);
    const source: FeedSource = {
      identity: () => this.identity(),
      head: () => this.record.seq,
      batches: (from, to) => this.batches(from, to),
      snapshotPage: async (after) => {
        const size = options.snapshotPageSize ?? 256;
        const entries = await readShippedPage(inner, this.localPrefixes, after, size);
        // Segments can be megabytes each: a page stops at SNAPSHOT_PAGE_BYTES (one record at least).
        let bytes = 0;
        const fit = entries.findIndex((e, i) => {
          bytes += e[0].length + JSON.stringify(e[1]).length;
          return i > 0 && bytes > SNAPSHOT_PAGE_BYTES;
        });
        if (fit > 0) return { entries: entries.slice(0, fit), done: false };
        return { entries, done: entries.length < size };
      },
      fence: (answer) => this.fence(answer),
    };
    const feedOptions = { maxBatchesPerCall: options.maxBatchesPerCall ?? 64 };
    this.feeds = options.links.map((link, i) => new ReplicaFeed(i, link, source, feedOptions));
  }

  /** @internal `openReplicatedStore`'s second half: loads or writes the replication record. */
  async start(): Promise<void> {
    const found = await loadRecord(this.inner);
    if (found && found.role !== "primary")
      throw new EdgeqError("conflict", "this store is a replica: promote it before writing");
    this.record = found ?? initialRecord("primary", this.options.name);
    if (!found) await this.inner.write([recordOp(this.record)]);
    // Nothing written in this term yet (new, or just promoted): tell the replicas now, so
    // they refuse an old primary's batches, and learn whether one is ahead of this store.
    const termStart = this.record.terms[this.record.terms.length - 1]?.start ?? 1;
    if (this.record.seq < termStart) await this.probe();
  }

  get(key: string): Promise<JsonValue | undefined> {
    return this.inner.get(key);
  }

  /** The store's records, never its own replication records (`repl|`), as any Store's scan. */
  async scan(range: StoreRange): Promise<StoreEntry[]> {
    const { start, end } = rangeBounds(range);
    const parts = outsideReplication(start, end);
    const out: StoreEntry[] = [];
    for (const [from, to] of range.reverse ? parts.reverse() : parts) {
      const left = range.limit === undefined ? undefined : range.limit - out.length;
      if (left === 0) break;
      out.push(
        ...(await this.inner.scan({
          start: from,
          ...(to === undefined ? {} : { end: to }),
          ...(left === undefined ? {} : { limit: left }),
          ...(range.reverse ? { reverse: true } : {}),
        })),
      );
    }
    return out;
  }

  async write(ops: readonly StoreOp[]): Promise<void> {
    this.assertWritable();
    if (this.options.mode === "sync") {
      const counting = this.feeds.filter((f) => f.state !== "lagging").length;
      if (counting < this.acks) {
        for (const f of this.feeds) void f.pump();
        throw this.refusal(`${counting} of ${this.acks} required replicas are in sync`);
      }
    }
    // A range delete never reaches the replication records, here or on a replica.
    const seq = await this.writeLocal(ops.flatMap(clipRangeDelete));
    if (this.options.mode === "async") {
      this.feedSoon();
      return;
    }
    await this.quorum(seq);
  }

  close(): Promise<void> {
    if (this.feedTimer !== undefined) clearTimeout(this.feedTimer);
    this.feedTimer = undefined;
    return this.inner.close();
  }

  /**
   * Async mode: feeds the replicas a moment after a write rather than at once,
   * so the batches of that moment travel in one call (and apply in one write).
   */
  private feedSoon(): void {
    if (this.feedTimer !== undefined) return;
    this.feedTimer = setTimeout(() => {
      this.feedTimer = undefined;
      for (const f of this.feeds) void f.pump();
    }, this.options.asyncDelayMs ?? 100);
  }

  /** Feeds every replica until it holds the head or fails (an async primary's alarm calls it). */
  async pump(): Promise<void> {
    await Promise.all(this.feeds.map((f) => f.pump()));
  }

  /** Whether some replica lacks batches: the host should `pump` again later. */
  behind(): boolean {
    return this.feeds.some((f) => f.acked < this.record.seq);
  }

  /** Term, position and each replica's state and lag. */
  status(): ReplicationStatus {
    const now = this.options.clock.now();
    const head = this.record.seq;
    return {
      role: "primary",
      term: this.record.term,
      seq: head,
      replicas: this.feeds.map((f) => {
        const acked = Math.max(0, f.acked);
        const oldest = this.times.get(acked + 1);
        return {
          replica: f.index,
          state: f.state,
          acked,
          lagBatches: head - acked,
          lagMs: acked >= head || oldest === undefined ? 0 : Math.max(0, now - oldest),
          ...(f.lastError === undefined ? {} : { lastError: f.lastError }),
        };
      }),
      ...(this.record.fencedBy ? { fencedBy: this.record.fencedBy } : {}),
    };
  }

  /** Numbers the batch and writes it with its tail entry and position, one local write at a time. */
  private writeLocal(ops: readonly StoreOp[]): Promise<number> {
    const run = this.chain.then(async () => {
      this.assertWritable();
      const shipped = ops.filter(
        (op) => op.type === "deleteRange" || isShipped(op.key, this.localPrefixes),
      );
      const batch: ReplicationBatch = {
        seq: this.record.seq + 1,
        term: this.record.term,
        at: this.options.clock.now(),
        ops: shipped,
      };
      const next = { ...this.record, seq: batch.seq };
      // Durability invariant: the records, the tail entry and the position change together.
      await this.inner.write([...ops, ...tailOps(batch, this.tailBatches), recordOp(next)]);
      this.record = next;
      this.remember(batch);
      return batch.seq;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private remember(batch: ReplicationBatch): void {
    this.recent.set(batch.seq, batch);
    // Never more than the tail: a replica past it gets a snapshot, memory or not.
    this.recent.delete(batch.seq - Math.min(RECENT_BATCHES, this.tailBatches));
    this.times.set(batch.seq, batch.at);
    this.times.delete(batch.seq - this.tailBatches);
  }

  /** Waits until `acks` replicas hold batch `seq`; counts out the ones that fail or miss the deadline. */
  private quorum(seq: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let acked = 0;
      let failed = 0;
      let settled = false;
      const finish = (error?: EdgeqError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        for (const f of this.feeds)
          if (f.acked < seq) f.markLagging(`no ack within ${this.ackTimeoutMs} ms`);
        finish(this.refusal(`fewer than ${this.acks} replicas stored the write in time`));
      }, this.ackTimeoutMs);
      for (const f of this.feeds) {
        f.waitFor(seq).then(
          () => {
            if (++acked >= this.acks) finish(this.fencedError());
          },
          () => {
            if (this.feeds.length - ++failed < this.acks)
              finish(
                this.fencedError() ??
                  this.refusal(`fewer than ${this.acks} replicas stored the write`),
              );
          },
        );
        void f.pump();
      }
    });
  }

  private get ackTimeoutMs(): number {
    return this.options.ackTimeoutMs ?? 2_000;
  }

  private async batches(from: number, to: number): Promise<ReplicationBatch[] | undefined> {
    const out: ReplicationBatch[] = [];
    for (let seq = from; seq <= to; seq++) {
      const b = this.recent.get(seq);
      if (!b) return readTail(this.inner, from, to);
      out.push(b);
    }
    return out;
  }

  /** Asks each replica where it stands, within the ack deadline. */
  private async probe(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.ackTimeoutMs);
    });
    await Promise.race([this.pump(), deadline]);
    if (timer !== undefined) clearTimeout(timer);
  }

  private async fence(answer: ReplicaAnswer): Promise<void> {
    if (this.record.fencedBy) return;
    const primary = answer.status === "fenced" ? answer.primary : "";
    this.record = { ...this.record, fencedBy: { term: answer.term, primary } };
    try {
      await this.inner.write([recordOp(this.record)]);
    } catch (error) {
      // Memory already refuses writes; a restart asks the replicas again.
      console.warn("edgeq: could not persist a fence", error);
    }
  }

  private identity(): PrimaryIdentity {
    return { term: this.record.term, primary: this.options.name, terms: this.record.terms };
  }

  /** Throws what a write would be refused with now that this primary is fenced (nothing if it is not). */
  assertWritable(): void {
    const error = this.fencedError();
    if (error) throw error;
  }

  private fencedError(): EdgeqError | undefined {
    const fenced = this.record.fencedBy;
    if (!fenced) return undefined;
    // Lost storage is not the client's fault: retryable until an operator promotes a replica.
    if (!fenced.primary)
      return this.refusal(
        "a replica holds writes this primary lacks (its storage was lost): promote a replica",
      );
    return new EdgeqError(
      "conflict",
      `this queue's primary moved to ${fenced.primary} (term ${fenced.term})`,
      { details: { primary: fenced.primary, term: fenced.term } },
    );
  }

  private refusal(why: string): EdgeqError {
    const retryAfterMs = this.options.retryAfterMs ?? 1_000;
    return new EdgeqError("unavailable", `replication: ${why}`, { details: { retryAfterMs } });
  }
}

/** A `deleteRange` op as the ranges of it outside the replication records; any other op as it is. */
function clipRangeDelete(op: StoreOp): StoreOp[] {
  if (op.type !== "deleteRange") return [op];
  return outsideReplication(op.start, op.end).map(([start, end]) => ({
    type: "deleteRange",
    start,
    end: end ?? op.end,
  }));
}
