/** A rate: `rate` tokens per second, at most `burst` saved up. */
export interface RateLimit {
  rate: number;
  burst: number;
}

/** A bucket's state: `tokens` as of time `at` (ms). Plain data, so a host can persist it. */
export interface BucketState {
  tokens: number;
  at: number;
}

/** What `takeTokens` decided: the new state, and how long to wait when refused (0: allowed). */
export interface TakeResult {
  state: BucketState;
  retryAfterMs: number;
}

/**
 * A token bucket, exact: `cost` tokens are taken when the bucket holds them,
 * refilled continuously at `rate` per second up to `burst`. A cost above the
 * burst could never be met, so it is taken from a full bucket, which then
 * owes the difference (goes negative) and refills from there: a large batch
 * waits for a full bucket instead of being refused forever, and the long-run
 * rate still holds. A refusal takes nothing and says how long until the
 * bucket can pay.
 */
export function takeTokens(
  previous: BucketState | undefined,
  limit: RateLimit,
  cost: number,
  now: number,
): TakeResult {
  // A clock that steps back neither refills nor moves the bucket's time back.
  const at = previous === undefined ? now : Math.max(now, previous.at);
  const since = previous === undefined ? 0 : at - previous.at;
  const tokens = Math.min(
    limit.burst,
    previous === undefined ? limit.burst : previous.tokens + (since * limit.rate) / 1000,
  );
  const need = Math.min(cost, limit.burst);
  if (tokens >= need) return { state: { tokens: tokens - cost, at }, retryAfterMs: 0 };
  return {
    state: { tokens, at },
    retryAfterMs: Math.ceil(((need - tokens) * 1000) / limit.rate),
  };
}
