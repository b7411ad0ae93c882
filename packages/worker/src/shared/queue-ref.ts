/** Which topic queue a Durable Object holds: one object per (topic, queueId). */
export interface QueueRef {
  topic: string;
  queueId: number;
  /** Which member of a replicated queue (`origin`, `r0`…); default the origin, the queue's own object. */
  member?: string;
}

/** The Durable Object's name for a queue: stable, so `idFromName` always finds the same object. */
export function queueObjectName(ref: QueueRef): string {
  return `${ref.topic}/${ref.queueId}`;
}

/** A long-poll as it crosses RPC: a signal cannot, so the wait is bounded by `waitMs` alone (default 0). */
export interface RpcWait {
  waitMs?: number;
}
