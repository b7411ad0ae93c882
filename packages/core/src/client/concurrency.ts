import { pause, type Sleep } from "./retry.js";

/**
 * Cancellation for many concurrent waits. Each wait gets its own signal
 * instead of all sharing one: a consumer has a pull loop per queue, a sleep
 * per stuck send-back and a handler per message in flight, and hundreds of
 * listeners on a single AbortSignal trip Node's leak warning for no reason.
 */
export class Stopper {
  private readonly live = new Set<AbortController>();
  private reason: unknown;
  private isStopped = false;

  get stopped(): boolean {
    return this.isStopped;
  }

  /** Runs `fn` with a signal that aborts on `stop()` (or already has, if stopped). */
  async run<T>(fn: (signal: AbortSignal) => Promise<T> | T): Promise<T> {
    const controller = new AbortController();
    if (this.isStopped) controller.abort(this.reason);
    this.live.add(controller);
    try {
      return await fn(controller.signal);
    } finally {
      this.live.delete(controller);
    }
  }

  /** Sleeps; resolves false instead if stopped first (or already). */
  pause(sleep: Sleep, ms: number): Promise<boolean> {
    return this.run((signal) => pause(sleep, ms, signal));
  }

  stop(reason: unknown): void {
    if (this.isStopped) return;
    this.isStopped = true;
    this.reason = reason;
    for (const controller of this.live) controller.abort(reason);
  }
}

/** A counting semaphore: at most `n` holders, waiters served in order, all rejected on close. */
export class Slots {
  private free: number;
  private readonly waiters: Array<{ resolve: () => void; reject: (reason: unknown) => void }> = [];
  private closed: { reason: unknown } | undefined;

  constructor(n: number) {
    this.free = n;
  }

  acquire(): Promise<void> {
    if (this.closed) return Promise.reject(this.closed.reason);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.resolve();
    else this.free++;
  }

  /** Rejects every waiter and every later acquire; holders still release normally. */
  close(reason: unknown): void {
    this.closed ??= { reason };
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
  }
}
