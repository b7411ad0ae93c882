import type { LeasedMessage } from "@edgeq/core";
import { decodeBody } from "./content.js";
import { originalIdentity } from "./dead-letter-headers.js";
import type { BacklogMetrics } from "./metrics.js";

/** What the handler decided for one message: acked, or retried after `delaySeconds`. */
export type Verdict = { kind: "ack" } | { kind: "retry"; delaySeconds?: number };

/** Cloudflare's `QueueRetryOptions`. */
export interface RetryOptions {
  delaySeconds?: number;
}

/** A Cloudflare `Message<Body>` over a leased edgeq message. */
export interface QueueMessage<Body = unknown> {
  readonly id: string;
  readonly timestamp: Date;
  readonly body: Body;
  readonly attempts: number;
  /** Marks the message done: it is not delivered again. */
  ack(): void;
  /** Delivers the message again, after `delaySeconds` if given. */
  retry(options?: RetryOptions): void;
}

/** A Cloudflare `MessageBatch<Body>` over leased edgeq messages. */
export interface QueueMessageBatch<Body = unknown> {
  readonly queue: string;
  readonly messages: readonly QueueMessage<Body>[];
  readonly metadata: { metrics: BacklogMetrics };
  /** Marks every message of the batch done. */
  ackAll(): void;
  /** Delivers every message of the batch again, after `delaySeconds` if given. */
  retryAll(options?: RetryOptions): void;
}

/**
 * Builds the batch a `queue()` handler sees, and records its calls with
 * Cloudflare's precedence: the first call on a message wins (`ack` then
 * `retry` keeps the ack, and the reverse); a call on a message beats any
 * later `ackAll`/`retryAll`; between `ackAll` and `retryAll` the first wins.
 * `verdicts()` then says, per message, what was decided, or nothing.
 */
export function createBatch<Body>(
  queue: string,
  leased: readonly LeasedMessage[],
  metrics: BacklogMetrics,
): { batch: QueueMessageBatch<Body>; verdicts(): Array<Verdict | undefined> } {
  const explicit = new Map<number, Verdict>();
  let all: Verdict | undefined;
  const messages = leased.map((m, i): QueueMessage<Body> => {
    const body = decodeBody(m.body, m.headers) as Body;
    // A dead letter moved here keeps the id and time it had where it failed.
    const { id, timestamp } = originalIdentity(m);
    return Object.freeze({
      id,
      timestamp: new Date(timestamp),
      body,
      attempts: m.deliveryCount,
      ack() {
        if (!explicit.has(i) && all === undefined) explicit.set(i, { kind: "ack" });
      },
      retry(options: RetryOptions = {}) {
        if (!explicit.has(i) && all === undefined) explicit.set(i, retryVerdict(options));
      },
    });
  });
  const batch: QueueMessageBatch<Body> = Object.freeze({
    queue,
    messages: Object.freeze(messages),
    metadata: { metrics },
    ackAll() {
      all ??= { kind: "ack" };
    },
    retryAll(options: RetryOptions = {}) {
      all ??= retryVerdict(options);
    },
  });
  return { batch, verdicts: () => leased.map((_, i) => explicit.get(i) ?? all) };
}

function retryVerdict(options: RetryOptions): Verdict {
  const { delaySeconds } = options;
  if (delaySeconds !== undefined && (!Number.isInteger(delaySeconds) || delaySeconds < 0))
    throw new TypeError(`delaySeconds must be a non-negative integer, got ${delaySeconds}`);
  return delaySeconds === undefined ? { kind: "retry" } : { kind: "retry", delaySeconds };
}
