import { type EdgeqErrorCode, isEdgeqError } from "../errors.js";

/** Shape of the exponential backoff between retries. */
export interface BackoffOptions {
  /** Upper bound of the first delay, doubled on every further attempt. Default 100 ms. */
  baseMs?: number;
  /** No delay ever exceeds this. Default 10,000 ms. */
  maxMs?: number;
  /** Source of jitter in [0, 1). Inject a fixed one in tests. Default `Math.random`. */
  random?: () => number;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * Delay before retry number `attempt` (0 for the first retry): a uniform draw
 * from [0, min(maxMs, baseMs * 2^attempt)), "full jitter". Full jitter spreads
 * the retries of many clients that failed together (a broker restart, a tab
 * coming back online) so they do not return in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs = 100, maxMs = 10_000, random = Math.random } = options;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * The only timer edgeq's client code uses: every wait goes through a `Sleep`,
 * so tests inject one and nothing really waits. Aborting clears the timer, so
 * a closed consumer leaves no timer behind to keep a process alive.
 */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * What a client does after a failed call, decided once for every client
 * (producer, durable producer, push consumer, consume runner):
 * - `retry`: the broker or the link may recover, so the same call may succeed
 *   later. Anything that is not an `EdgeqError` came from beneath the
 *   protocol (a fetch `TypeError`, a reset connection): the broker never
 *   answered, and trying again is the only way to learn the outcome.
 * - `refused`: the broker judged the request itself; sending it again would
 *   only repeat the answer. A durable producer moves the message to its
 *   local dead letters with the reason.
 * - `auth`: the credentials are missing, wrong or lack the right; a new
 *   token may fix it, the same one never will.
 * - `closed`: the engine behind the transport was shut down. Nothing is
 *   wrong with the request: a durable producer keeps the message and tries
 *   later; a client that cannot wait rejects.
 */
export type FailureKind = "retry" | "refused" | "auth" | "closed";

/** Each error code's meaning to a client, in one place. */
const FAILURE_KINDS: Readonly<Record<EdgeqErrorCode, FailureKind>> = {
  // The broker's or the link's state: may recover.
  unavailable: "retry",
  rate_limited: "retry",
  internal: "retry",
  // A broker out of storage (507) frees space with retention or an operator.
  quota_exceeded: "retry",
  // The request: bad fields, too large, an unknown topic (final: a typo in a
  // topic name must surface as a dead letter, not retry forever), a stale
  // receipt or transaction, an offset out of range.
  invalid_request: "refused",
  too_large: "refused",
  not_found: "refused",
  conflict: "refused",
  gone: "refused",
  offset_out_of_range: "refused",
  // Sending it again cannot bring back the time it had.
  expired: "refused",
  closed: "closed",
  unauthorized: "auth",
  forbidden: "auth",
};

/** Classifies a failed call; see `FailureKind`. */
export function classifyFailure(error: unknown): FailureKind {
  return isEdgeqError(error) ? FAILURE_KINDS[error.code] : "retry";
}

/** Whether a failed call may be tried again as it is. */
export function isRetryableError(error: unknown): boolean {
  return classifyFailure(error) === "retry";
}

/** How `withRetries` retries. */
export interface RetryOptions {
  /** Stops retrying; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Further tries after the first. Default: no limit. */
  retries?: number;
  /** Which failures to try again. Default `isRetryableError`. */
  retryIf?: (error: unknown) => boolean;
  backoff?: BackoffOptions;
  sleep?: Sleep;
  /** Told about each failure that will be retried, before the wait. */
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * The retry policy every client uses: calls `call` until it succeeds, the
 * failure is not retryable, `retries` run out or `signal` aborts. Waits grow
 * by `backoffDelay` with jitter and never undercut the broker's Retry-After.
 */
export async function withRetries<T>(
  call: (signal: AbortSignal | undefined) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { signal, retries = Number.POSITIVE_INFINITY, retryIf = isRetryableError } = options;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await call(signal);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= retries || !retryIf(error)) throw error;
      options.onRetry?.(error, attempt);
      await (options.sleep ?? sleep)(retryDelayAfter(error, attempt, options.backoff), signal);
    }
  }
}

/** The broker's `details.retryAfterMs` (a 429's or 503's hint), or 0 without one. */
export function retryAfterMs(error: unknown): number {
  if (!isEdgeqError(error)) return 0;
  const hint = error.details?.retryAfterMs;
  return typeof hint === "number" && Number.isFinite(hint) && hint > 0 ? hint : 0;
}

/** The wait before retry `attempt` after `error`: the backoff, but never shorter than the broker asked. */
export function retryDelayAfter(
  error: unknown,
  attempt: number,
  options: BackoffOptions = {},
): number {
  return Math.max(backoffDelay(attempt, options), retryAfterMs(error));
}

/** Sleeps through `sleep`, resolving false instead of rejecting once `signal` has aborted. */
export async function pause(sleep: Sleep, ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, signal);
    return !signal.aborted;
  } catch {
    return false;
  }
}
