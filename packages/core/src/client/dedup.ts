import type { Message } from "../model.js";
import type { MessageHandler } from "./push-consumer-options.js";

/** How many ids a DedupSet remembers, and for how long. */
export interface DedupSetOptions {
  /** Most msgIds remembered; past it the oldest is forgotten. Default 10,000. */
  capacity?: number;
}

/**
 * A bounded set of msgIds, forgetting the oldest first. Delivery is
 * at-least-once (C5 in docs/architecture.md): after a crash a consumer resumes from its last
 * committed offset, and a retry may arrive while the original is still being
 * read. Remembering recent msgIds turns most of those duplicates into no-ops;
 * a duplicate older than `capacity` ids gets through, so size it to cover the
 * commit interval's worth of messages.
 */
export class DedupSet {
  readonly capacity: number;
  // A Set iterates in insertion order, so its first entry is the oldest.
  private readonly ids = new Set<string>();

  constructor(options: DedupSetOptions = {}) {
    const capacity = options.capacity ?? 10_000;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("capacity must be a positive integer");
    this.capacity = capacity;
  }

  get size(): number {
    return this.ids.size;
  }

  /** Whether `msgId` was seen (and not forgotten since). */
  has(msgId: string): boolean {
    return this.ids.has(msgId);
  }

  /** Remembers `msgId` as the newest entry, evicting the oldest past capacity. */
  add(msgId: string): void {
    // Re-adding refreshes: the id moves to the young end and is evicted last.
    this.ids.delete(msgId);
    this.ids.add(msgId);
    while (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (oldest.done) break;
      this.ids.delete(oldest.value);
    }
  }

  /** Forgets `msgId` (its handling failed, so a redelivery must run again); answers whether it was there. */
  delete(msgId: string): boolean {
    return this.ids.delete(msgId);
  }

  /** Forgets every id. */
  clear(): void {
    this.ids.clear();
  }
}

/**
 * Wraps a push-consumer handler so a message whose msgId already succeeded is
 * skipped. The id is marked only after the handler succeeds: marking it
 * before would turn a failed attempt into a skipped retry, losing the message.
 * Two deliveries of one msgId that overlap (a retry and a re-read after a
 * restart, under concurrency) do not both run: the later waits for the
 * earlier and runs only if the earlier failed.
 */
export function withDedup<M extends Message>(
  handler: MessageHandler<M>,
  set: DedupSet,
): MessageHandler<M> {
  const running = new Map<string, Promise<unknown>>();
  return async (message, context) => {
    const id = message.msgId;
    for (let earlier = running.get(id); earlier; earlier = running.get(id)) {
      await earlier.catch(() => undefined);
    }
    if (set.has(id)) return;
    const run = (async () => handler(message, context))();
    running.set(id, run);
    try {
      await run;
      set.add(id);
    } finally {
      running.delete(id);
    }
  };
}
