import { EdgeqError } from "../errors.js";
import type { Store, StoreOp } from "../store/store.js";

interface Batch<T, R> {
  items: T[];
  waiters: Array<{ count: number; resolve: (results: R[]) => void; reject: (e: unknown) => void }>;
}

export interface GroupCommitOptions {
  /**
   * Called after a failed flush. The engine's batches were computed on
   * in-memory state that assumed every earlier batch succeeded: it sets
   * `failQueued` so the batch queued behind a failed one fails too, and
   * reloads from the store here before it computes anything else.
   */
  onFailure?: (error: unknown) => void;
  /** Also fail the batch that queued up while the failed one was written. Default false. */
  failQueued?: boolean;
}

/**
 * Group commit: everything submitted while a flush is in flight (or within
 * the same tick) joins one batch, and the batch is flushed as one atomic
 * write. Durability invariant: a caller's promise resolves only after the
 * flush holding its items resolved, so nothing is acknowledged before the
 * store has it. Batches flush strictly in order, one at a time.
 *
 * The engine flushes store ops (`GroupCommitter.forStore`); the durable
 * producer flushes messages, packed into one log record per batch.
 */
export class GroupCommitter<T, R = void> {
  private next: Batch<T, R> | undefined;
  private running = false;

  /**
   * `flush` returns one result per item (or nothing, when there are no
   * results); `commits` says how many `commit` calls the items came from.
   */
  constructor(
    private readonly flush: (items: T[], commits: number) => Promise<R[] | undefined>,
    private readonly options: GroupCommitOptions = {},
  ) {}

  /** A committer of store ops into `store.write`. */
  static forStore(store: Store, options: GroupCommitOptions = {}): GroupCommitter<StoreOp> {
    return new GroupCommitter<StoreOp>(async (ops, commits) => {
      // One commit's ops are one mutation's: worth no pass over every key (a lease
      // receive writes a record per message), and the store applies them in order anyway.
      await store.write(commits > 1 ? lastOpPerKey(ops) : ops);
      return undefined;
    }, options);
  }

  /**
   * The batch a `commit` now joins, until it starts flushing (then a new one
   * opens); undefined while none is open. Items of the open batch may still
   * be changed in place: nothing has read them yet.
   */
  get openBatch(): object | undefined {
    return this.next;
  }

  /** Resolves with the results of `items`, in order, once their batch is flushed. */
  commit(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    if (!this.next) this.next = { items: [], waiters: [] };
    const batch = this.next;
    for (const item of items) batch.items.push(item);
    const done = new Promise<R[]>((resolve, reject) =>
      batch.waiters.push({ count: items.length, resolve, reject }),
    );
    if (!this.running) {
      this.running = true;
      // Start on a microtask so every submission of the current tick joins this batch.
      queueMicrotask(() => void this.drain());
    }
    return done;
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const batch = this.next;
      this.next = undefined;
      let results: R[] | undefined;
      try {
        results = await this.flush(batch.items, batch.waiters.length);
      } catch (cause) {
        const error =
          cause instanceof EdgeqError
            ? cause
            : new EdgeqError(
                "unavailable",
                "the store refused a write; nothing in it was applied",
                {
                  cause,
                },
              );
        const failed = [batch];
        if (this.options.failQueued && this.next) failed.push(this.next);
        if (this.options.failQueued) this.next = undefined;
        for (const b of failed) for (const w of b.waiters) w.reject(error);
        this.options.onFailure?.(cause);
        continue;
      }
      let at = 0;
      for (const w of batch.waiters) {
        w.resolve(results ? results.slice(at, at + w.count) : []);
        at += w.count;
      }
    }
    this.running = false;
  }
}

/**
 * The ops with every put or delete that a later op on the same key overrides
 * left out: the same write. Appends that join one batch each put the queue's
 * meta record, and a busy producer's record once per append; the store needs
 * only the last. A range delete keeps everything as it is.
 */
export function lastOpPerKey(ops: StoreOp[]): StoreOp[] {
  if (ops.length < 2 || ops.some((op) => op.type === "deleteRange")) return ops;
  const seen = new Set<string>();
  const kept: StoreOp[] = [];
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i] as Exclude<StoreOp, { type: "deleteRange" }>;
    if (seen.has(op.key)) continue;
    seen.add(op.key);
    kept.push(op);
  }
  return kept.length === ops.length ? ops : kept.reverse();
}
