import type { EdgeqErrorCode, QueueHandle } from "@edgeq/core";

/** Which topic queue a Durable Object holds: one object per (topic, queueId). */
export interface QueueRef {
  topic: string;
  queueId: number;
}

/** The Durable Object's name for a queue: stable, so `idFromName` always finds the same object. */
export function queueObjectName(ref: QueueRef): string {
  return `${ref.topic}/${ref.queueId}`;
}

/** The QueueHandle calls a Durable Object serves. */
export type QueueMethod = Exclude<keyof QueueHandle, "queueId">;

export const QUEUE_METHODS: ReadonlySet<string> = new Set<QueueMethod>([
  "append",
  "read",
  "committedOffset",
  "commitOffset",
  "receive",
  "ack",
  "nack",
  "extend",
  "sendBack",
  "listDeadLetters",
  "redrive",
  "getMessage",
  "queryByKey",
  "snapshot",
  "appendHalf",
  "decideTransaction",
  "listTransactions",
  "takeDueChecks",
]);

/**
 * RPC results carry errors as data: Workers RPC keeps only an error's name and
 * message, and the caller needs the stable code and details to answer HTTP.
 */
export type Outcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: { code: EdgeqErrorCode; message: string; details?: Record<string, unknown> };
    };
