/**
 * Headers a dead letter carries when it moves to a dead-letter topic, beside
 * its own: what it was (its original id and timestamp, which the Cloudflare
 * consumer and pull API answer instead of the copy's) and where and why it died.
 */
export const DEAD_LETTER_HEADERS = {
  originalId: "cf-original-id",
  originalTimestamp: "cf-original-timestamp",
  from: "edgeq-dead-from",
  reason: "edgeq-dead-reason",
  at: "edgeq-dead-at",
} as const;

/** A message's headers as it moves to a dead-letter topic: the first move's identity is kept. */
export function deadLetterHeaders(
  message: { msgId: string; producedAt: number; headers: Record<string, string> },
  from: string,
  reason: string,
  at: number,
): Record<string, string> {
  const h = message.headers;
  return {
    ...h,
    [DEAD_LETTER_HEADERS.originalId]: h[DEAD_LETTER_HEADERS.originalId] ?? message.msgId,
    [DEAD_LETTER_HEADERS.originalTimestamp]:
      h[DEAD_LETTER_HEADERS.originalTimestamp] ?? String(message.producedAt),
    [DEAD_LETTER_HEADERS.from]: from,
    [DEAD_LETTER_HEADERS.reason]: reason,
    [DEAD_LETTER_HEADERS.at]: String(at),
  };
}

/** The id and time a consumer sees: a forwarded dead letter's original ones, else its own. */
export function originalIdentity(message: {
  msgId: string;
  producedAt: number;
  headers: Record<string, string>;
}): { id: string; timestamp: number } {
  const at = Number(message.headers[DEAD_LETTER_HEADERS.originalTimestamp]);
  return {
    id: message.headers[DEAD_LETTER_HEADERS.originalId] ?? message.msgId,
    timestamp: Number.isSafeInteger(at) ? at : message.producedAt,
  };
}
