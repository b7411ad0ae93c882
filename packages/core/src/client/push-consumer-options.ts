import { type Clock, systemClock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type { Message } from "../model.js";
import { type BackoffOptions, sleep as realSleep, type Sleep } from "./retry.js";

/** What a handler gets beside the message. */
export interface HandlerContext {
  /** Aborts when the consumer closes; a handler may stop early (its message is then delivered again). */
  signal: AbortSignal;
}

/** Processes one message. Returning means done; throwing means failed (retried later). */
export type MessageHandler<M extends Message = Message> = (
  message: M,
  context: HandlerContext,
) => Promise<void> | void;

/** Where a failure a consumer recovered from happened (see `onError`). */
export type ConsumerPhase =
  | "start"
  | "read"
  | "offset_reset"
  | "handler"
  | "send_back"
  | "commit"
  | "receive"
  | "ack"
  | "nack";

/** What `onError` is told with each failure. */
export interface ConsumerErrorContext {
  phase: ConsumerPhase;
  queueId?: number;
  message?: Message;
}

/** What a PushConsumer consumes, how fast, and how it retries. */
export interface PushConsumerOptions {
  topic: string;
  /** Consumer group: offsets, retries and dead letters are kept per group. */
  group: string;
  handler: MessageHandler;
  /** Messages per read, and per receive from the retry queue. Default 32. */
  batchSize?: number;
  /** Long-poll wait passed to `read` and `receive`. Default 1,000 ms. */
  pollWaitMs?: number;
  /** Pause after a read that found nothing, and while a queue has `maxInProcessPerQueue` unfinished. Default 200 ms. */
  idleDelayMs?: number;
  /** Offsets are also committed this often (besides after each batch and on close). Default 5,000 ms. */
  commitIntervalMs?: number;
  /** Process messages of one key (or, without a key, of one queue) one at a time, in offset order. Default false. */
  orderly?: boolean;
  /** Most handlers running at once, over all queues and the retry queue. Default 8. */
  concurrency?: number;
  /** Orderly mode: local retries of a failed message before it is sent back. Default 16. */
  maxLocalRetries?: number;
  /** Stop reading a queue while this many of its messages are unfinished. Default 1,000. */
  maxInProcessPerQueue?: number;
  /** Delay asked for on send-back and nack. Default: the broker's retry schedule. */
  sendBackDelayMs?: number;
  /** Pause between receives when the retry queue was empty. Default 1,000 ms. */
  retryPollIntervalMs?: number;
  /** Lease on messages taken from the retry queue. Default 30,000 ms. */
  visibilityMs?: number;
  /** Only messages carrying one of these tags. Default: all. */
  tags?: string[];
  /** Backoff after failed calls and between local retries. Default: base 100 ms, at most 10 s. */
  backoff?: BackoffOptions;
  /** Stamps `stats().lastCommitAt`. Default: the system clock. */
  clock?: Clock;
  /** Every wait goes through this; inject one in tests. Default: a real timer. */
  sleep?: Sleep;
  /** Told about every failure the consumer recovers from. Default: `console.error`. */
  onError?: (error: unknown, context: ConsumerErrorContext) => void;
}

/** A PushConsumer's counters since it started. */
export interface PushConsumerStats {
  /** Handler calls that succeeded. */
  processed: number;
  /** Handler calls that failed. */
  failed: number;
  /** Messages handed to the broker's retry queue. */
  sentBack: number;
  /** Messages read or leased and not yet done (including those awaiting a send-back). */
  inProcess: number;
  lastCommitAt?: number;
}

/** Options with every default filled in. */
export type ResolvedConsumerOptions = Required<
  Omit<PushConsumerOptions, "sendBackDelayMs" | "tags" | "backoff">
> &
  Pick<PushConsumerOptions, "sendBackDelayMs" | "tags" | "backoff">;

/** Fills defaults and rejects nonsense (`invalid_request`). */
export function resolveConsumerOptions(options: PushConsumerOptions): ResolvedConsumerOptions {
  const resolved: ResolvedConsumerOptions = {
    batchSize: 32,
    pollWaitMs: 1000,
    idleDelayMs: 200,
    commitIntervalMs: 5000,
    orderly: false,
    concurrency: 8,
    maxLocalRetries: 16,
    maxInProcessPerQueue: 1000,
    retryPollIntervalMs: 1000,
    visibilityMs: 30_000,
    clock: systemClock,
    sleep: realSleep,
    onError: (error, context) =>
      console.error(`edgeq consumer ${options.group}: ${context.phase} failed`, error),
    ...stripUndefined(options),
    topic: options.topic,
    group: options.group,
    handler: options.handler,
  };
  for (const name of ["batchSize", "concurrency", "maxInProcessPerQueue"] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < 1)
      throw new EdgeqError("invalid_request", `${name} must be a positive integer`);
  }
  for (const name of [
    "pollWaitMs",
    "idleDelayMs",
    "commitIntervalMs",
    "maxLocalRetries",
    "retryPollIntervalMs",
    "visibilityMs",
  ] as const) {
    const value = resolved[name];
    if (typeof value !== "number" || Number.isNaN(value) || value < 0)
      throw new EdgeqError("invalid_request", `${name} must be a non-negative number`);
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
