import {
  inspectProducer,
  type ListOptions,
  type MessageInfo,
  type MessagePage,
  type QueuedMessage,
} from "@edgeq/core";
import type { Outbox } from "./outbox.js";

/** What an outbox holds, message by message (`inspectOutbox`). */
export interface OutboxInspector {
  /**
   * A page of messages in one state: `pending` and `inFlight` (oldest first,
   * with body and options), `deadLetter` (oldest first, with the reason),
   * `acknowledged` (newest first, with the broker's `msgId` and `offset`; the
   * latest 500 or so are kept). Pass the page's `next` as `cursor` for the next.
   */
  list(options: ListOptions): Promise<MessagePage>;
  /** Where the message `send()` returned `id` for is now (`state`, and what goes with it). */
  status(id: string): Promise<MessageInfo>;
  /** Sends a dead letter again, as a new message (its new id is returned); `queued` fires for it. */
  retry(id: string): Promise<QueuedMessage>;
  /** Drops a dead letter the app has dealt with; false when there was none. */
  discard(id: string): Promise<boolean>;
}

/**
 * Looks into an outbox: what is pending, on the wire, acknowledged recently
 * or refused, page by page; where one message is, by the id `send()`
 * returned; retry or discard a dead letter. A separate function, so an app
 * that never looks does not ship it. Every tab sees the same IndexedDB, but
 * only the tab that syncs knows which batch is on the wire: other tabs list
 * those messages as `pending`.
 *
 * @example
 * ```ts
 * const inspector = inspectOutbox(outbox);
 * const { id } = await outbox.send({ order: 9 });
 * (await inspector.status(id)).state; // "pending", later "acknowledged" with answer.msgId
 * for (const dead of (await inspector.list({ state: "deadLetter" })).messages)
 *   console.warn(dead.reason?.message, () => inspector.retry(dead.id));
 * ```
 */
export function inspectOutbox(outbox: Outbox): OutboxInspector {
  const inspector = inspectProducer(outbox.producer);
  return {
    ...inspector,
    async retry(id) {
      const copy = await inspector.retry(id);
      outbox.queued([copy]);
      return copy;
    },
  };
}
