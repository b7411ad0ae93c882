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
 * Codes that describe a broker or link that may recover: the same request
 * can succeed later. `closed` is final (that engine will not reopen), and the
 * 4xx codes describe the request itself, which a retry would only repeat.
 */
const RETRYABLE_CODES: ReadonlySet<EdgeqErrorCode> = new Set<EdgeqErrorCode>([
  "unavailable",
  "rate_limited",
  "internal",
]);

/**
 * Whether a failed call may be tried again. Anything that is not an
 * `EdgeqError` came from beneath the protocol (a fetch `TypeError`, a reset
 * connection): the broker never answered, so trying again is the only way to
 * learn the outcome.
 */
export function isRetryableError(error: unknown): boolean {
  if (!isEdgeqError(error)) return true;
  return RETRYABLE_CODES.has(error.code);
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
