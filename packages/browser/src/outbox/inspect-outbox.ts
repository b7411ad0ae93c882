import { inspectProducer, type ProducerInspector } from "@edgeq/core/durable";
import type { Outbox } from "./outbox.js";

/**
 * What an outbox holds, message by message (`inspectOutbox`): the core's
 * `ProducerInspector` over the outbox's IndexedDB. `list` pages `pending` and
 * `inFlight` (oldest first, with body and options), `deadLetter` (oldest
 * first, with the reason) and `acknowledged` (newest first, with the broker's
 * `msgId` and `offset`; the latest 500 or so are kept).
 */
export type OutboxInspector = ProducerInspector;

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
    // The copy is a new message of this tab: `queued` fires and the syncing tab looks.
    async retry(id) {
      const copy = await inspector.retry(id);
      outbox.queued([copy]);
      return copy;
    },
  };
}
