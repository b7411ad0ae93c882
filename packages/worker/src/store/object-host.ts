import { EdgeqError } from "@edgeq/core";
import { ManualClock } from "@edgeq/core/engine";
import type { Store } from "@edgeq/core/store";
import { openSqliteStore } from "./sqlite-store.js";

/**
 * What every engine-hosting Durable Object (QueueDO, StreamDO) needs of its
 * platform, written once: the engine's clock, the object's SQLite store, its
 * one alarm, and wiping it all when the queue or stream is deleted.
 */
export class ObjectHost {
  /**
   * The engine's clock, set by `takeTime()` once per call: in production
   * `Date.now()` moves only across I/O, so the time of a call is the time it arrived.
   */
  readonly clock = new ManualClock(Date.now());
  #store: Store | undefined;
  /** The alarm as last set (null: none pending; undefined: not read yet). */
  #alarmAt: number | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /**
   * Opens the object's SQLite store. The object's constructor calls it inside
   * `ctx.blockConcurrencyWhile`, so no call reaches the object before the store is set.
   */
  async openStore(): Promise<void> {
    this.#store = await openSqliteStore(this.storage);
  }

  /** The object's SQLite store (after `openStore()`); a new one after `wipe()`. */
  get store(): Store {
    if (!this.#store) throw new EdgeqError("internal", "the object's store is not open yet");
    return this.#store;
  }

  /** Moves the clock to now, never backwards whatever the platform clock does; answers it. */
  takeTime(): number {
    const now = Math.max(this.clock.now(), Date.now());
    this.clock.set(now);
    return now;
  }

  /** At the start of `alarm()`: the time, and no alarm pending any more. */
  alarmFired(): number {
    this.#alarmAt = null;
    return this.takeTime();
  }

  /**
   * Sets the alarm to the earliest of `times` (undefined ones and those at or
   * past `horizon` left out) unless one at least as early is already set: one
   * alarm per object, so only an earlier wake-up needs a new one.
   */
  async arm(times: Array<number | undefined>, horizon = Number.POSITIVE_INFINITY): Promise<void> {
    const due = times.filter((t): t is number => t !== undefined && t < horizon);
    if (due.length === 0) return;
    const next = Math.min(...due);
    this.#alarmAt ??= await this.storage.getAlarm();
    if (this.#alarmAt === null || next < this.#alarmAt) {
      await this.storage.setAlarm(next);
      this.#alarmAt = next;
    }
  }

  /** Deletes every key and the alarm; the SQL table went too, so the store starts a new one. */
  async wipe(): Promise<void> {
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
    this.#alarmAt = null;
    this.#store = await openSqliteStore(this.storage);
  }
}
