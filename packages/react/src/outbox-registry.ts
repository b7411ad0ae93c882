import type { OutboxOptions } from "@edgeq/browser";
import { SharedOutbox } from "./shared-outbox.js";

/**
 * The shared outboxes of this page, by database. A module-level map on
 * purpose: sharing one outbox between every component of the page is the
 * point, and it is only ever touched in a browser (never on the server,
 * where one map would be shared by every request).
 */
const outboxes = new Map<string, SharedOutbox>();

/** The database an outbox lives in, as `createOutbox` names it: what makes two outboxes one. */
export function outboxKey(options: OutboxOptions): string {
  return options.database?.name ?? `edgeq-outbox:${options.name ?? "default"}`;
}

/** The page's outbox for these options: the one already shared, or a new one (opened by its first user). */
export function sharedOutbox(options: OutboxOptions): SharedOutbox {
  const key = outboxKey(options);
  const found = outboxes.get(key);
  if (found) {
    found.update(options);
    return found;
  }
  const created: SharedOutbox = new SharedOutbox(key, options, () => {
    if (outboxes.get(key) === created) outboxes.delete(key);
  });
  outboxes.set(key, created);
  return created;
}
