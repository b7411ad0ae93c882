import { EdgeqError, isEdgeqError, type LeasedMessage } from "@edgeq/core";
import type { TopicRouter } from "@edgeq/core/engine";
import { type Context, Hono } from "hono";
import { wakeConsumers } from "../broker/consumer-wake.js";
import { enforceRateLimit } from "../broker/rate-limiter.js";
import { topicRouter } from "../broker/topics.js";
import { tokenAuthOf } from "../http/auth.js";
import { errorAnswer } from "../http/error-answer.js";
import { jsonBody, setRetryAfter } from "../http/wire.js";
import { bytesToBase64, CF_LIMITS, CONTENT_TYPE_HEADER, contentTypeOf } from "./content.js";
import { forwardDeadLetters } from "./dead-letter-forward.js";
import { originalIdentity } from "./dead-letter-headers.js";
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

  // Publishing over REST, as Cloudflare's `messages` and `messages/batch` endpoints.
  const publish = async (c: Context<AppEnv>, entries: unknown[], batchDelay: unknown) => {
    const topic = c.req.param("topic") ?? "";
    const auth = await tokenAuthOf(c.env);
    const principal = await auth.check(c.req.header("authorization"), topic, "produce");
    const router = await topicRouter(c.env, topic);
    const messages = toRestMessages(entries, batchDelay, router.config.maxDelayMs);
    await router.send(
      { messages },
      { principal: principal.id, inheritsUnscoped: principal.inheritsUnscoped },
      (n) => enforceRateLimit(c.env, topic, principal.id, "produce", n),
    );
    await wakeConsumers(c.env, topic);
    const metrics = await queueMetrics(
      { stats: () => router.stats(), read: (queueId, o) => router.read(queueId, o) },
      `cf-${topic}`,
    );
    return c.json(
      success({
        metadata: {
          metrics: {
            backlog_count: metrics.backlogCount,
            backlog_bytes: metrics.backlogBytes,
            oldest_message_timestamp_ms: metrics.oldestMessageTimestamp?.getTime() ?? 0,
          },
        },
      }),
    );
  };
  app.post(prefix, async (c) => {
    const body = await jsonBody(c);
    return publish(c, [body], undefined);
  });
  app.post(`${prefix}/batch`, async (c) => {
    const { messages, delay_seconds } = await jsonBody(c);
    if (!Array.isArray(messages) || messages.length === 0)
      throw new EdgeqError("invalid_request", "messages must be a non-empty list", {
        details: { field: "messages" },
      });
    return publish(c, messages, delay_seconds);
  });

  // A pull consumer's settings, in Cloudflare's shape, as the group's settings (docs/protocol.md).
  app.post("/accounts/:account/queues/:topic/consumers", async (c) => {
    const topic = c.req.param("topic") ?? "";
    const body = await jsonBody(c);
    const group = typeof body.consumer_name === "string" ? body.consumer_name : `cf-${topic}`;
    const auth = await tokenAuthOf(c.env);
    await auth.check(c.req.header("authorization"), topic, "admin", group);
    const router = await topicRouter(c.env, topic);
    const { settings = {}, dead_letter_queue } = body as {
      settings?: Record<string, unknown>;
      dead_letter_queue?: unknown;
    };
    if (typeof settings !== "object" || settings === null || Array.isArray(settings))
      throw new EdgeqError("invalid_request", "settings must be an object", {
        details: { field: "settings" },
      });
    const { max_retries, retry_delay } = settings;
    const retryDelayMs =
      retry_delay === undefined || typeof retry_delay !== "number"
        ? retry_delay
        : retry_delay * 1000;
    const current = await router.groupSettings(group);
    const next = await router.setGroupSettings(group, {
      ...current,
      ...(max_retries === undefined ? {} : { maxRetries: max_retries }),
      ...(retryDelayMs === undefined ? {} : { retryDelayMs }),
      ...(dead_letter_queue === undefined ? {} : { deadLetterTopic: dead_letter_queue }),
    });
    return c.json(
      success({
        queue_name: topic,
        consumer_name: group,
        type: "http_pull",
        settings: {
          ...(next.maxRetries === undefined ? {} : { max_retries: next.maxRetries }),
          ...(next.retryDelayMs === undefined ? {} : { retry_delay: next.retryDelayMs / 1000 }),
        },
        ...(next.deadLetterTopic === undefined ? {} : { dead_letter_queue: next.deadLetterTopic }),
      }),
    );
  });

  app.post(`${prefix}/pull`, async (c) => {
    const { router, group } = await setup(c);
    const body = await jsonBody(c);
    const max = intField(body, "batch_size", PULL_LIMITS.batchSize);
    const visibilityMs = intField(
      body,
      body.visibility_timeout_ms === undefined ? "visibility_timeout" : "visibility_timeout_ms",
      PULL_LIMITS.visibilityTimeoutMs,
    );
    await forwardDeadLettersOf(c.env, router, group);
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
    // Retries past the group's maxRetries died just now: on to its dead-letter topic.
    await forwardDeadLettersOf(c.env, router, group);
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

/**
 * `forwardDeadLetters`, never failing the consumer's call: a dead letter the
 * topic cannot take (unknown topic, too large) stays in the group's own
 * dead-letter queue, where it can be listed and redriven.
 */
async function forwardDeadLettersOf(env: Env, router: TopicRouter, group: string): Promise<void> {
  try {
    await forwardDeadLetters(env, router, group);
  } catch (error) {
    console.warn(`edgeq: dead letters of ${router.topic}/${group} not forwarded`, error);
  }
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
  // A forwarded dead letter keeps the identity it had where it failed.
  const { id, timestamp } = originalIdentity(m);
  return {
    id,
    body,
    timestamp_ms: timestamp,
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

/**
 * Cloudflare's REST message shape (`{body, content_type, delay_seconds}`)
 * as edgeq messages, with Cloudflare's limits: 100 messages, 128 KB each and
 * 256 KB a batch; `text` a string, `json` any JSON value, `bytes` base64.
 * Anything else is 400 before anything is stored.
 */
function toRestMessages(entries: unknown[], batchDelay: unknown, maxDelayMs: number) {
  if (entries.length > CF_LIMITS.batchMessages)
    throw new EdgeqError("too_large", `a batch holds at most ${CF_LIMITS.batchMessages} messages`, {
      details: { limit: CF_LIMITS.batchMessages },
    });
  let total = 0;
  const messages = entries.map((entry, i) => {
    const at = entries.length === 1 && batchDelay === undefined ? "" : `messages[${i}].`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      throw new EdgeqError("invalid_request", `${at || "body "}must be an object`);
    const {
      body,
      content_type = "json",
      delay_seconds = batchDelay,
    } = entry as Record<string, unknown>;
    if (body === undefined)
      throw new EdgeqError("invalid_request", `${at}body is required`, {
        details: { field: `${at}body` },
      });
    if (content_type !== "json" && content_type !== "text" && content_type !== "bytes")
      throw new EdgeqError("invalid_request", `${at}content_type must be json, text or bytes`, {
        details: { field: `${at}content_type` },
      });
    if (content_type !== "json" && typeof body !== "string")
      throw new EdgeqError("invalid_request", `${at}body must be a string for ${content_type}`, {
        details: { field: `${at}body` },
      });
    const delayMs = delaySeconds(delay_seconds, `${at}delay_seconds`, maxDelayMs);
    const size =
      content_type === "bytes"
        ? Math.floor(((body as string).length * 3) / 4)
        : encoder.encode(content_type === "text" ? (body as string) : JSON.stringify(body))
            .byteLength;
    if (size > CF_LIMITS.messageBytes)
      throw new EdgeqError("too_large", `${at}body is over ${CF_LIMITS.messageBytes} bytes`, {
        details: { limit: CF_LIMITS.messageBytes },
      });
    total += size;
    return {
      body,
      ...(content_type === "bytes" ? { encoding: "base64" } : {}),
      headers: { [CONTENT_TYPE_HEADER]: content_type },
      ...(delayMs ? { delayMs } : {}),
    };
  });
  if (total > CF_LIMITS.batchBytes)
    throw new EdgeqError("too_large", `a batch holds at most ${CF_LIMITS.batchBytes} bytes`, {
      details: { limit: CF_LIMITS.batchBytes },
    });
  return messages;
}

function delaySeconds(value: unknown, field: string, maxDelayMs: number): number {
  if (value === undefined) return 0;
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < 0 ||
    value * 1000 > maxDelayMs
  )
    throw new EdgeqError(
      "invalid_request",
      `${field} must be an integer from 0 to ${maxDelayMs / 1000}`,
      { details: { field } },
    );
  return value * 1000;
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
