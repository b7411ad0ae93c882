import { EdgeqError } from "../errors.js";
import type { Store, StoreOp } from "../store/store.js";

interface Batch {
  ops: StoreOp[];
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

/**
 * Group commit: every mutation made while a write is in flight (or within the
 * same tick) joins one batch, and the batch goes to the store as one atomic
 * write. Durability invariant: a caller's promise resolves only after the
 * write holding its ops resolved, so nothing is acknowledged before the store has it.
 *
 * Batches commit strictly in order. Each batch was computed on in-memory state
 * that assumed every earlier batch succeeded, so when one fails, the batch
 * queued behind it fails too, and `onFailure` tells the engine to reload from
 * the store before it computes anything else.
 */
export class GroupCommitter {
  private next: Batch | undefined;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  commit(ops: StoreOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    if (!this.next) this.next = { ops: [], waiters: [] };
    const batch = this.next;
    for (const op of ops) batch.ops.push(op);
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (!this.running) {
      this.running = true;
      // Start on a microtask so every mutation of the current tick joins this batch.
      queueMicrotask(() => void this.drain());
    }
    return done;
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const batch = this.next;
      this.next = undefined;
      try {
        await this.store.write(batch.ops);
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
        const behind = this.next as Batch | undefined;
        this.next = undefined;
        for (const w of batch.waiters) w.reject(error);
        for (const w of behind?.waiters ?? []) w.reject(error);
        this.onFailure(cause);
        continue;
      }
      for (const w of batch.waiters) w.resolve();
    }
    this.running = false;
  }
}
