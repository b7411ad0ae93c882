import { DurableObject } from "cloudflare:workers";
import { EdgeqError } from "@edgeq/core";
import { type BucketState, type RateLimit, takeTokens } from "@edgeq/core/util";
import { bucketOf } from "./topic-settings.js";
import { topicConfig } from "./topics.js";

/** Which bucket a call takes from: produce (per message) or consume (per call). */
export type RateKind = "produce" | "consume";

/**
 * The token buckets of one (topic, principal): a Durable Object, so the
 * limit is exact, whichever isolate or location the requests arrive at. The
 * Workers Rate Limiting binding was the other choice: cheaper (no call), but
 * documented as approximate and per location, and its limits are fixed in
 * wrangler config (10 s or 60 s periods), so a topic setting changed at
 * runtime could not reach it. The price here is one Durable Object call per
 * request on a rate-limited topic only; topics without `rateLimit` pay nothing.
 *
 * Buckets are written with `allowUnconfirmed`: the answer does not wait for
 * the disk, and an object evicted while idle comes back with its buckets.
 */
export class RateLimiterDO extends DurableObject<Env> {
  /** Takes `cost` tokens from bucket `kind`; answers 0 when allowed, else the ms until it can pay. */
  async take(kind: RateKind, limit: RateLimit, cost: number): Promise<number> {
    const previous = await this.ctx.storage.get<BucketState>(kind);
    const { state, retryAfterMs } = takeTokens(previous, limit, cost, Date.now());
    await this.ctx.storage.put(kind, state, { allowUnconfirmed: true });
    return retryAfterMs;
  }
}

/**
 * Throws `rate_limited` (429, `details.retryAfterMs`) when `principal` is over
 * the topic's limit for `kind`; a refused request takes no tokens and the
 * caller stores nothing.
 */
export async function enforceRateLimit(
  env: Env,
  topic: string,
  principal: string,
  kind: RateKind,
  cost: number,
): Promise<void> {
  const limit = bucketOf(await topicConfig(env, topic), kind);
  if (!limit) return;
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${topic}\n${principal}`));
  const retryAfterMs = await stub.take(kind, limit, cost);
  if (retryAfterMs > 0)
    throw new EdgeqError("rate_limited", `over the ${kind} rate limit of topic ${topic}`, {
      details: { retryAfterMs },
    });
}
