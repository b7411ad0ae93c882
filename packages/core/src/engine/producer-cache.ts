import type { Store } from "../store/store.js";
import { ProducerWindow } from "./producer-window.js";
import { fromJson, type ProducerRecord, type QueueKeys, type SeqRun } from "./records.js";

/** Producer windows kept in memory by default; the rest stay in the store until a producer sends again. */
export const PRODUCER_CACHE_SIZE = 1024;

/**
 * The producer windows of one queue, loaded on demand: a queue may remember
 * hundreds of thousands of producers (every browser of an app, for
 * `producerTtlMs`), so waking it must not read them all. A bounded cache
 * (least recently used goes first) over the `prod|` records.
 *
 * A window is only changed inside the engine's `mutate`, by an operation that
 * `acquire`d it first and `release`s it once its write is durable; a pinned
 * window is never evicted, so every operation on one producer shares one
 * object, and an evicted window is always the one the store has.
 */
export class ProducerCache {
  private readonly windows = new Map<string, ProducerWindow>();
  private readonly pins = new Map<string, number>();
  private readonly loading = new Map<string, Promise<ProducerWindow>>();

  constructor(
    private readonly store: Store,
    private readonly keys: QueueKeys,
    private readonly limit = PRODUCER_CACHE_SIZE,
  ) {}

  /**
   * The producer's window, pinned until `release`. When the store has none,
   * a copy of the window under `inheritFrom` if there is one (see
   * `ProducerScope.inheritsUnscoped`), else a new one.
   */
  async acquire(producerId: string, inheritFrom?: string): Promise<ProducerWindow> {
    this.pins.set(producerId, (this.pins.get(producerId) ?? 0) + 1);
    try {
      const cached = this.windows.get(producerId);
      if (cached) {
        // Most recently used: last in the map's order.
        this.windows.delete(producerId);
        this.windows.set(producerId, cached);
        return cached;
      }
      let load = this.loading.get(producerId);
      if (!load) {
        load = this.load(producerId, inheritFrom).then((window) => {
          this.windows.set(producerId, window);
          return window;
        });
        this.loading.set(producerId, load);
        load.then(
          () => this.loading.delete(producerId),
          () => this.loading.delete(producerId),
        );
      }
      return await load;
    } catch (error) {
      this.release(producerId);
      throw error;
    }
  }

  private async load(producerId: string, inheritFrom?: string): Promise<ProducerWindow> {
    const stored = await this.read(producerId);
    if (stored) return stored;
    if (inheritFrom === undefined) return new ProducerWindow();
    const inherited = this.windows.get(inheritFrom) ?? (await this.read(inheritFrom));
    // A copy with no idleness entry yet: its first write indexes it (and stores it) under its own id.
    return inherited?.copy() ?? new ProducerWindow();
  }

  /** The window the store holds: its record, and its chunk records when it has any. */
  private async read(producerId: string): Promise<ProducerWindow | undefined> {
    const value = await this.store.get(this.keys.producer(producerId));
    if (value === undefined) return undefined;
    const record = fromJson<ProducerRecord>(value);
    if (!record.sealed) return new ProducerWindow(record);
    const chunks = await this.store.scan({ prefix: this.keys.producerChunkPrefix(producerId) });
    return new ProducerWindow(
      record,
      chunks.map(([, runs]) => fromJson<SeqRun[]>(runs)),
    );
  }

  /** Unpins a window; the cache then trims itself to its limit. */
  release(producerId: string): void {
    const n = (this.pins.get(producerId) ?? 1) - 1;
    if (n > 0) this.pins.set(producerId, n);
    else this.pins.delete(producerId);
    this.trim();
  }

  /** The window if it is in memory (pinned or cached), without loading it. */
  peek(producerId: string): ProducerWindow | undefined {
    return this.windows.get(producerId);
  }

  /** Whether anyone but one holder (the caller) has the window pinned. */
  pinnedByOthers(producerId: string): boolean {
    return (this.pins.get(producerId) ?? 0) > 1;
  }

  /** Puts `window` in place of the producer's (forgetting it: an empty one). */
  replace(producerId: string, window: ProducerWindow): void {
    this.windows.set(producerId, window);
  }

  /** Forgets every window (after a reload: the store is the truth). */
  clear(): void {
    this.windows.clear();
  }

  /** Windows in memory now. */
  get size(): number {
    return this.windows.size;
  }

  private trim(): void {
    if (this.windows.size <= this.limit) return;
    for (const id of this.windows.keys()) {
      if (this.windows.size <= this.limit) break;
      if (!this.pins.has(id)) this.windows.delete(id);
    }
  }
}
