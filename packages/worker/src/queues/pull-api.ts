import { EdgeqError, isEdgeqError, type LeasedMessage, type TopicRouter } from "@edgeq/core";
import { type Context, Hono } from "hono";
import { enforceRateLimit } from "../broker/rate-limiter.js";
import { topicRouter } from "../broker/topics.js";
import { tokenAuthOf } from "../http/auth.js";
import { errorAnswer } from "../http/error-answer.js";
import { jsonBody, setRetryAfter } from "../http/wire.js";
import { bytesToBase64, contentTypeOf } from "./content.js";
import { queueMetrics } from "./metrics.js";

type AppEnv = { Bindings: Env };

/** Cloudflare's pull limits: batches of 1–100 (default 5), visibility up to 12 h (default 30 s). */
export const PULL_LIMITS = {
  batchSize: { min: 1, max: 100, default: 5 },
  visibilityTimeoutMs: { min: 1, max: 43_200_000, default: 30_000 },
} as const;

const encoder = new TextEncoder();

/**
 * Cloudflare Queues' HTTP pull consumer API over edgeq's lease mode, mounted
 * at `/v1/cf`: `POST /v1/cf/accounts/{account}/queues/{queue}/messages/pull`
 * and `…/ack`, with Cloudflare's request and response shapes, so a pull
 * client written for Cloudflare works by changing its base URL and token.
 * `{queue}` is the edgeq topic; `{account}` is accepted and ignored. The
 * consumer group is `cf-{queue}` (the push wrapper's default too), or
 * `?group=` (edgeq). Tokens need `consume` on the topic. Errors answer with
 * edgeq's `{"error": …}` and Cloudflare's `success: false, errors: […]`.
 */
export function createCfPullApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const prefix = "/accounts/:account/queues/:topic/messages";
  const setup = async (c: Context<AppEnv>): Promise<{ router: TopicRouter; group: string }> => {
    const topic = c.req.param("topic") ?? "";
    const group = c.req.query("group") ?? `cf-${topic}`;
    const auth = await tokenAuthOf(c.env);
    const principal = await auth.check(c.req.header("authorization"), topic, "consume", group);
    await enforceRateLimit(c.env, topic, principal.id, "consume", 1);
    return { router: await topicRouter(c.env, topic), group };
  };

  app.post(`${prefix}/pull`, async (c) => {
    const { router, group } = await setup(c);
    const body = await jsonBody(c);
    const max = intField(body, "batch_size", PULL_LIMITS.batchSize);
    const visibilityMs = intField(
      body,
      body.visibility_timeout_ms === undefined ? "visibility_timeout" : "visibility_timeout_ms",
      PULL_LIMITS.visibilityTimeoutMs,
    );
    // The backlog first: it counts leased messages too, so it is the same before the
    // lease, and a receive that is the last call never leases what the answer fails to carry.
    const metrics = await queueMetrics(
      { stats: () => router.stats(), read: (queueId, o) => router.read(queueId, o) },
      group,
    );
    const leased = await router.receive(group, { max, visibilityMs });
    return c.json(
      success({
        messages: leased.map(toCfMessage),
        message_backlog_count: metrics.backlogCount,
        metadata: {
          metrics: {
            backlog_count: metrics.backlogCount,
            backlog_bytes: metrics.backlogBytes,
            oldest_message_timestamp_ms: metrics.oldestMessageTimestamp?.getTime() ?? 0,
          },
        },
      }),
    );
  });

  app.post(`${prefix}/ack`, async (c) => {
    const { router, group } = await setup(c);
    const body = await jsonBody(c);
    const acks = leaseList(body, "acks");
    const retries = leaseList(body, "retries");
    const tooLong = retries.find((r) => (r.delay_seconds ?? 0) * 1000 > router.config.maxDelayMs);
    if (tooLong)
      throw new EdgeqError(
        "invalid_request",
        `delay_seconds must be at most ${router.config.maxDelayMs / 1000} on this topic`,
      );
    // Keyed by lease ids the client sent: a Map, so no id is ever an object member.
    const warnings = new Map<string, string>();
    const ackCount = await permissive(
      acks.map((a) => a.lease_id),
      warnings,
      (receipts) => router.ack(group, receipts),
    );
    const byDelay = new Map<number, string[]>();
    for (const r of retries) {
      const delayMs = (r.delay_seconds ?? 0) * 1000;
      byDelay.set(delayMs, [...(byDelay.get(delayMs) ?? []), r.lease_id]);
    }
    let retryCount = 0;
    for (const [delayMs, receipts] of byDelay)
      retryCount += await permissive(receipts, warnings, (some) =>
        router.nack(group, some, delayMs),
      );
    return c.json(success({ ackCount, retryCount, warnings: Object.fromEntries(warnings) }));
  });

  app.onError((error, c) => {
    const answer = errorAnswer(error);
    setRetryAfter(c, answer);
    return c.json(
      {
        ...answer.toJSON(),
        success: false,
        errors: [{ code: answer.status, message: answer.message }],
        messages: [],
        result: null,
      },
      answer.status as 400,
    );
  });
  return app;
}

/** Cloudflare's success envelope. */
function success<T>(result: T) {
  return { success: true, errors: [], messages: [], result };
}

/**
 * A leased edgeq message in Cloudflare's pull shape: `json` and `bytes`
 * bodies base64-encoded, `text` as it is, the type in `metadata`.
 */
function toCfMessage(m: LeasedMessage) {
  const type = contentTypeOf(m.body, m.headers);
  const body =
    m.body instanceof Uint8Array
      ? bytesToBase64(m.body)
      : type === "text" && typeof m.body === "string"
        ? m.body
        : bytesToBase64(encoder.encode(JSON.stringify(m.body)));
  return {
    id: m.msgId,
    body,
    timestamp_ms: m.producedAt,
    attempts: m.deliveryCount,
    lease_id: m.receipt,
    metadata: { "CF-sourceMessageSource": "edgeq", "CF-Content-Type": type },
  };
}

function intField(
  body: Record<string, unknown>,
  name: string,
  limits: { min: number; max: number; default: number },
): number {
  const value = body[name];
  if (value === undefined) return limits.default;
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < limits.min ||
    value > limits.max
  )
    throw new EdgeqError(
      "invalid_request",
      `${name} must be an integer from ${limits.min} to ${limits.max}`,
      { details: { field: name, limit: limits.max } },
    );
  return value;
}

interface LeaseEntry {
  lease_id: string;
  delay_seconds?: number;
}

/** `acks` or `retries`: a list of `{ lease_id, delay_seconds? }`; anything else is 400 before any change. */
function leaseList(body: Record<string, unknown>, name: "acks" | "retries"): LeaseEntry[] {
  const list = body[name];
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > 1000)
    throw new EdgeqError("invalid_request", `${name} must be a list of at most 1000 entries`);
  return list.map((entry, i) => {
    const e = entry as Partial<LeaseEntry> | null;
    if (typeof e !== "object" || e === null || typeof e.lease_id !== "string" || e.lease_id === "")
      throw new EdgeqError("invalid_request", `${name}[${i}].lease_id must be a string`);
    if (
      name === "retries" &&
      e.delay_seconds !== undefined &&
      (typeof e.delay_seconds !== "number" ||
        !Number.isInteger(e.delay_seconds) ||
        e.delay_seconds < 0)
    )
      throw new EdgeqError(
        "invalid_request",
        `${name}[${i}].delay_seconds must be a non-negative integer`,
      );
    return e.delay_seconds === undefined
      ? { lease_id: e.lease_id }
      : { lease_id: e.lease_id, delay_seconds: e.delay_seconds };
  });
}

/**
 * Cloudflare is permissive with lease ids: an expired, re-leased, already
 * acknowledged or unknown one does not fail the request. edgeq's calls are
 * all-or-nothing per queue, so a refused call is retried one lease at a time
 * and each refused lease gets a `warnings` entry (the message stays with
 * edgeq: a lease that expired is delivered again, at least once).
 * Answers how many leases were applied.
 */
async function permissive(
  receipts: string[],
  warnings: Map<string, string>,
  apply: (receipts: string[]) => Promise<void>,
): Promise<number> {
  if (receipts.length === 0) return 0;
  try {
    await apply(receipts);
    return receipts.length;
  } catch (error) {
    if (!isLeaseRefusal(error)) throw error;
  }
  let applied = 0;
  for (const receipt of receipts) {
    try {
      await apply([receipt]);
      applied++;
    } catch (error) {
      if (!isLeaseRefusal(error)) throw error;
      warnings.set(
        receipt,
        isEdgeqError(error, "conflict")
          ? "lease expired or already acknowledged; the message is delivered again unless it was acknowledged"
          : "unknown lease id",
      );
    }
  }
  return applied;
}

function isLeaseRefusal(error: unknown): boolean {
  return (
    (isEdgeqError(error, "conflict") || isEdgeqError(error, "not_found")) &&
    Array.isArray(error.details?.receipts)
  );
}
