import type { ReplicaState } from "../model.js";
import type { StoreEntry } from "../store/store.js";
import type {
  PrimaryIdentity,
  ReplicaAnswer,
  ReplicaLink,
  ReplicationBatch,
} from "./replication-types.js";

/** What a feed reads from its primary (the ReplicatedStore). */
export interface FeedSource {
  identity(): PrimaryIdentity;
  /** The last batch written. */
  head(): number;
  /** Batches `from`…`to`, or undefined when `from` left the retained tail. */
  batches(from: number, to: number): Promise<ReplicationBatch[] | undefined>;
  /** A page of the records replicas hold, after key `after`. */
  snapshotPage(after: string | undefined): Promise<{ entries: StoreEntry[]; done: boolean }>;
  /** A replica knows a newer term, or holds batches the primary lacks: stop being primary. */
  fence(answer: ReplicaAnswer): Promise<void>;
}

/** Limits of a feed's calls. */
export interface FeedOptions {
  maxBatchesPerCall: number;
}

/** About how much one call to a replica carries: well under a Durable Object RPC's 32 MiB. */
const CALL_BYTES = 8 * 1024 * 1024;

/**
 * Calls of this many batches or fewer are not measured: an engine write is a
 * few MiB at most (a produce request's limit), so they fit; only a catch-up
 * sends more, and pays for measuring them.
 */
const UNMEASURED_BATCHES = 4;
/** Each batch's size, measured once for every feed (the feeds share the batch objects). */
const sizes = new WeakMap<ReplicationBatch, number>();

/** The leading batches that fit one call (one at least). */
function fitCall(batches: ReplicationBatch[]): ReplicationBatch[] {
  if (batches.length <= UNMEASURED_BATCHES) return batches;
  let bytes = 0;
  const fit = batches.findIndex((b, i) => {
    let size = sizes.get(b);
    if (size === undefined) {
      size = JSON.stringify(b.ops).length;
      sizes.set(b, size);
    }
    bytes += size;
    return i > 0 && bytes > CALL_BYTES;
  });
  return fit > 0 ? batches.slice(0, fit) : batches;
}

/** Thrown inside a feed when its replica fenced the primary: the loop stops for good. */
class FencedError extends Error {}

/**
 * Feeds one replica: a single loop at a time sends what it lacks (the
 * batches after the last it acknowledged, or a snapshot when those left the
 * tail) until it holds the head. Waiters learn when it holds a given batch,
 * or that it failed (it is then `lagging` until a later loop catches it up).
 */
export class ReplicaFeed {
  state: ReplicaState = "catching_up";
  /** The last batch the replica acknowledged durably (-1 until it answered once). */
  acked = -1;
  lastError: string | undefined;
  private running: Promise<void> | undefined;
  private needSnapshot = false;
  private waiters: Array<{ seq: number; resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(
    readonly index: number,
    private readonly link: ReplicaLink,
    private readonly source: FeedSource,
    private readonly options: FeedOptions,
  ) {}

  /** Starts a loop unless one runs; resolves when it ends (caught up, or failed). */
  pump(): Promise<void> {
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once the replica holds batch `seq`; rejects if it fails first. */
  waitFor(seq: number): Promise<void> {
    if (this.acked >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Counts it out (a deadline passed): it is lagging until it catches up again. */
  markLagging(reason: string): void {
    this.state = "lagging";
    this.lastError = reason;
    this.failWaiters(new Error(reason));
  }

  private async loop(): Promise<void> {
    let stalled = 0;
    try {
      if (this.acked < 0)
        this.take(await this.link.apply({ ...this.source.identity(), batches: [] }));
      while (this.acked < this.source.head()) {
        const before = this.acked;
        const from = this.acked + 1;
        const to = Math.min(this.source.head(), from + this.options.maxBatchesPerCall - 1);
        const found = this.needSnapshot ? undefined : await this.source.batches(from, to);
        const batches = found && fitCall(found);
        if (batches === undefined) {
          if (this.state === "in_sync") this.state = "catching_up";
          await this.sendSnapshot();
        } else {
          this.take(await this.link.apply({ ...this.source.identity(), batches }));
        }
        // A replica that answers without moving on would be fed the same batches forever.
        stalled = this.acked > before || this.needSnapshot ? 0 : stalled + 1;
        if (stalled >= 3) throw new Error(`replica stays at batch ${this.acked}`);
      }
      this.state = "in_sync";
      this.lastError = undefined;
    } catch (error) {
      this.state = "lagging";
      this.lastError = error instanceof Error ? error.message : String(error);
      this.failWaiters(error);
    }
  }

  /** Streams every record in pages, then the replica continues from the snapshot's base. */
  private async sendSnapshot(): Promise<void> {
    const base = this.source.head();
    let after: string | undefined;
    let first = true;
    for (;;) {
      const page = await this.source.snapshotPage(after);
      const answer = await this.link.snapshot({
        ...this.source.identity(),
        base,
        first,
        done: page.done,
        entries: page.entries,
      });
      if (answer.status === "fenced") return this.take(answer);
      if (answer.status !== "ok")
        throw new Error(`replica refused a snapshot page (${answer.status})`);
      first = false;
      after = page.entries[page.entries.length - 1]?.[0] ?? after;
      if (page.done) break;
    }
    this.needSnapshot = false;
    this.acked = base;
    this.settleWaiters();
  }

  private take(answer: ReplicaAnswer): void {
    if (answer.status === "fenced" || answer.applied > this.source.head()) {
      void this.source.fence(answer);
      throw new FencedError(
        answer.status === "fenced"
          ? `replica ${this.index} follows a newer primary (term ${answer.term})`
          : `replica ${this.index} holds batch ${answer.applied}, past this primary's head`,
      );
    }
    if (answer.status === "snapshot") {
      this.needSnapshot = true;
      this.state = "catching_up";
      return;
    }
    this.acked = answer.applied;
    this.settleWaiters();
  }

  private settleWaiters(): void {
    const done = this.waiters.filter((w) => w.seq <= this.acked);
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.seq > this.acked);
    for (const w of done) w.resolve();
  }

  private failWaiters(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
