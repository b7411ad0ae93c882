import { DEFAULT_TOPIC_CONFIG, type MessageBody, normalizeAppend } from "@edgeq/core";
import type { NewMessage } from "./outbox-log.js";
import type { OutboxSendOptions } from "./types.js";

/**
 * The broker's own validation (the core's `normalizeAppend`), run before a
 * message is accepted: a message that can never be delivered (a Date body,
 * a bad tag, 200 KiB) is refused by `send` with the broker's error code,
 * instead of being queued and dead-lettered later. Batch limits do not apply
 * here; the sync loop cuts its own batches.
 */
const LOCAL_CHECK = {
  ...DEFAULT_TOPIC_CONFIG,
  maxBatchMessages: Number.MAX_SAFE_INTEGER,
  maxBatchBytes: Number.MAX_SAFE_INTEGER,
};

export function validateSend(
  items: ReadonlyArray<{ body: MessageBody } & OutboxSendOptions>,
): NewMessage[] {
  normalizeAppend({ messages: items }, LOCAL_CHECK, Date.now());
  return items.map(({ body, key, tags, headers, delayMs }) => ({
    body,
    options: {
      ...(key === undefined ? {} : { key }),
      ...(tags === undefined ? {} : { tags: [...tags] }),
      ...(headers === undefined ? {} : { headers: { ...headers } }),
      ...(delayMs === undefined ? {} : { delayMs }),
    },
  }));
}
