import { isEdgeqError, type LeasedMessage, type Transport } from "@edgeq/core";
import { tracedBatch } from "@edgeq/core/trace";
import type { EdgeqRpcTarget } from "../rpc/rpc-transport.js";
import { createBatch, type QueueMessageBatch, type Verdict } from "./batch.js";
import { deadLetterHeaders } from "./dead-letter-headers.js";
import { type BacklogMetrics, backlogOf } from "./metrics.js";
import { toTransport } from "./producer.js";

/**
 * A Cloudflare queue consumer's settings (wrangler's `queues.consumers`),
 * with Cloudflare's names, defaults and bounds.
 */
export interface QueueConsumerSettings {
  /** The edgeq topic consumed: Cloudflare's `queue`. */
  queue: string;
  /** The edgeq consumer group (offsets, retries and dead letters live per group). Default `cf-<queue>`. */
  group?: string;
  /** Most messages per batch: 1–100, default 10. */
  max_batch_size?: number;
  /** Longest wait for a batch to fill, in seconds: 0–60, default 5. */
  max_batch_timeout?: number;
  /**
   * Retries after the first delivery: 0–100, default 3, so a message is handled
   * at most `max_retries + 1` times. Then it goes to `dead_letter_queue` or,
   * without one, to the group's own edgeq dead-letter queue (see the README).
   */
  max_retries?: number;
  /** Delay of a retry the handler gave none, in seconds. Default 0. */
  retry_delay?: number;
  /** A topic that receives messages past `max_retries` (produced there, then acked here). */
  dead_letter_queue?: string;
  /** Batches handled at once by one drain: 1–250, default 1 (keeps each key's order). */
  max_concurrency?: number;
  /**
   * edgeq: per-key order. The group's `ordered` setting is turned on at the
   * first drain: a key's next message is not leased while an earlier one is
   * in a batch, retrying or being redelivered, so even with
   * `max_concurrency` above 1 the handler sees a key's messages one at a time,
   * in order. Default false (Cloudflare's best-effort order).
   */
  ordered?: boolean;
  /**
   * edgeq: how long a batch stays leased to a handler before it is delivered
   * again (and counted as an attempt). Default 15 minutes, the wall-clock
   * limit of a Cloudflare consumer invocation.
   */
  visibility_timeout_ms?: number;
}

/** A Workers `queue()` handler, as `ExportedHandler.queue` declares it. */
export type QueueHandler<Env, Body> = (
  batch: QueueMessageBatch<Body>,
  env: Env,
  ctx: ExecutionContext,
) => void | Promise<void>;

/** What one `drain` did. */
export interface DrainReport {
  batches: number;
  acked: number;
  retried: number;
  /** Moved past `max_retries`: forwarded to `dead_letter_queue`, or to the group's dead letters. */
  deadLettered: number;
  /** Whether the topic had nothing more to lease when the drain stopped. */
  idle: boolean;
}

/** How long one `drain` call runs and how it fills batches. */
export interface DrainOptions {
  /** Stop leasing new batches after this long (ms). Default 25 s. */
  budgetMs?: number;
  /** Stop after this many batches. Default unlimited. */
  maxBatches?: number;
  /** Wait for a batch to fill (`max_batch_timeout`); `false` takes what is there now. Default true. */
  wait?: boolean;
}

/** A consumer of an edgeq topic that runs a Cloudflare `queue()` handler unchanged. */
export interface QueueConsumer<Env> {
  readonly settings: Readonly<Required<Omit<QueueConsumerSettings, "dead_letter_queue">>> &
    Pick<QueueConsumerSettings, "dead_letter_queue">;
  /** Leases batches and runs the handler until the topic is idle or the budget is spent. */
  drain(env: Env, ctx: ExecutionContext, options?: DrainOptions): Promise<DrainReport>;
}

/**
 * Runs an unchanged Cloudflare `queue(batch, env, ctx)` handler over an edgeq
 * topic and consumer group, in lease mode:
 * - a batch is one `receive` of `max_batch_size` messages leased for
 *   `visibility_timeout_ms`, topped up until it is full or
 *   `max_batch_timeout` has passed;
 * - when the handler (and every promise given to `ctx.waitUntil`) resolves,
 *   messages it did not retry are acked; when it throws, messages it did not
 *   ack are retried (Cloudflare's implicit ack and batch retry);
 * - a retry is a `nack` with `delaySeconds` (the message's, the batch's, or
 *   `retry_delay`); `attempts` is edgeq's delivery count, so an expired lease
 *   (a consumer that died) counts as an attempt, as on Cloudflare;
 * - a message that fails its attempt number `max_retries + 1` is produced to
 *   `dead_letter_queue` and acked, or, without one, nacked until the topic's
 *   `maxReconsumeTimes` moves it to the group's edgeq dead-letter queue
 *   (set `maxReconsumeTimes` to `max_retries` and that is the same nack).
 *
 * `target(env)` gives the binding to the edgeq Worker's `EdgeqRpc` (or a core
 * Transport). Drive `drain` from a Durable Object alarm (`QueueConsumerObject`)
 * or a cron trigger.
 */
export function createQueueConsumer<Env, Body = unknown>(
  handler: QueueHandler<Env, Body>,
  target: (env: Env) => EdgeqRpcTarget | Transport,
  settings: QueueConsumerSettings,
): QueueConsumer<Env> {
  const resolved = resolveSettings(settings);
  return {
    settings: resolved,
    drain: (env, ctx, options = {}) =>
      drain(handler, toTransport(target(env)), resolved, env, ctx, options),
  };
}

type Resolved = QueueConsumer<unknown>["settings"];

function resolveSettings(s: QueueConsumerSettings): Resolved {
  const int = (
    name: string,
    value: number | undefined,
    fallback: number,
    min: number,
    max: number,
  ) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min || v > max)
      throw new TypeError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
    return v;
  };
  return {
    queue: s.queue,
    group: s.group ?? `cf-${s.queue}`,
    max_batch_size: int("max_batch_size", s.max_batch_size, 10, 1, 100),
    max_batch_timeout: int("max_batch_timeout", s.max_batch_timeout, 5, 0, 60),
    max_retries: int("max_retries", s.max_retries, 3, 0, 100),
    retry_delay: int("retry_delay", s.retry_delay, 0, 0, 40 * 86_400),
    max_concurrency: int("max_concurrency", s.max_concurrency, 1, 1, 250),
    visibility_timeout_ms: int(
      "visibility_timeout_ms",
      s.visibility_timeout_ms,
      900_000,
      1,
      43_200_000,
    ),
    ordered: s.ordered === true,
    ...(s.dead_letter_queue === undefined ? {} : { dead_letter_queue: s.dead_letter_queue }),
  };
}

/** Consumers whose group has been given `ordered` (once per consumer and isolate). */
const orderedGroups = new WeakSet<Resolved>();

/** Turns the group's `ordered` setting on, keeping its other settings. */
async function ensureOrdered(transport: Transport, s: Resolved): Promise<void> {
  if (!s.ordered || orderedGroups.has(s)) return;
  const current = await transport.groupSettings(s.queue, s.group);
  if (!current.ordered)
    await transport.setGroupSettings(s.queue, s.group, { ...current, ordered: true });
  orderedGroups.add(s);
}

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** edgeq's long-poll is at most 30 s a call. */
const MAX_WAIT_MS = 30_000;

async function drain<Env, Body>(
  handler: QueueHandler<Env, Body>,
  transport: Transport,
  s: Resolved,
  env: Env,
  ctx: ExecutionContext,
  options: DrainOptions,
): Promise<DrainReport> {
  const report: DrainReport = { batches: 0, acked: 0, retried: 0, deadLettered: 0, idle: false };
  await ensureOrdered(transport, s);
  // The time is read across I/O only (receives), where it moves in production too.
  const until = Date.now() + (options.budgetMs ?? 25_000);
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  // Batches being handled, and a promise that settles when one of them ends: a
  // receive can come back empty while others hold keys (ordered, flow), which is
  // not idle until they are done.
  let running = 0;
  let ended = signal();
  const loop = async (): Promise<void> => {
    while (Date.now() < until && report.batches < maxBatches && !report.idle) {
      const leased = await collect(transport, s, options.wait !== false);
      if (leased.length === 0) {
        if (running === 0) {
          report.idle = true;
          return;
        }
        await ended.promise;
        continue;
      }
      report.batches++;
      running++;
      try {
        await runBatch(handler, transport, s, env, ctx, leased, report);
      } finally {
        running--;
        ended.resolve();
        ended = signal();
      }
    }
  };
  await Promise.all(Array.from({ length: s.max_concurrency }, loop));
  return report;
}

/** One batch: a receive, topped up until full or `max_batch_timeout` has passed. */
async function collect(transport: Transport, s: Resolved, wait: boolean): Promise<LeasedMessage[]> {
  const waitMs = wait ? s.max_batch_timeout * 1000 : 0;
  const deadline = Date.now() + waitMs;
  const receive = (max: number, ms: number) =>
    transport.receive(s.queue, s.group, {
      max,
      visibilityMs: s.visibility_timeout_ms,
      waitMs: Math.min(Math.max(ms, 0), MAX_WAIT_MS),
    });
  const batch = await receive(s.max_batch_size, waitMs);
  while (batch.length > 0 && batch.length < s.max_batch_size) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const more = await receive(s.max_batch_size - batch.length, left);
    if (more.length === 0) break;
    batch.push(...more);
  }
  return batch;
}

/** How long a batch's `metadata.metrics` may be reused: Cloudflare calls them best-effort too. */
const METRICS_TTL_MS = 1000;
const lastMetrics = new WeakMap<Resolved, { at: number; value: BacklogMetrics }>();

/**
 * The backlog for `batch.metadata`: one stats call (every queue of the topic)
 * at most every METRICS_TTL_MS per consumer, not one per batch.
 */
async function metrics(transport: Transport, s: Resolved): Promise<BacklogMetrics> {
  const cached = lastMetrics.get(s);
  const now = Date.now();
  if (cached && now - cached.at < METRICS_TTL_MS) return cached.value;
  const { group: _, ...value } = backlogOf(await transport.stats(s.queue), s.group);
  lastMetrics.set(s, { at: now, value });
  return value;
}

async function runBatch<Env, Body>(
  handler: QueueHandler<Env, Body>,
  transport: Transport,
  s: Resolved,
  env: Env,
  outer: ExecutionContext,
  leased: LeasedMessage[],
  report: DrainReport,
): Promise<void> {
  // Past the limit already (edgeq's maxReconsumeTimes is higher than max_retries):
  // the handler had its max_retries + 1 attempts, so these only finish dying.
  const overdue = leased.filter((m) => m.deliveryCount > s.max_retries + 1);
  const live = leased.filter((m) => m.deliveryCount <= s.max_retries + 1);
  if (overdue.length) await deadLetter(transport, s, overdue, report);
  if (live.length === 0) return;

  const { batch, verdicts } = createBatch<Body>(s.queue, live, await metrics(transport, s));
  const waits: Promise<unknown>[] = [];
  const ctx: ExecutionContext = {
    waitUntil: (promise) => {
      waits.push(promise);
    },
    passThroughOnException: () => {},
    props: outer.props,
    tracing: outer.tracing,
  };
  let failed = false;
  try {
    // One CONSUMER span for the batch, the child of its messages' trace context (docs/protocol.md).
    await tracedBatch(s.queue, s.group, live, async () => {
      await handler(batch, env, ctx);
      // Cloudflare acks a batch once the handler and its waitUntil promises resolved.
      await Promise.all(waits);
    });
  } catch (error) {
    failed = true;
    console.error(`edgeq: queue handler failed on ${s.queue}`, error);
  }
  const decided = verdicts().map(
    (v): Verdict => v ?? (failed ? { kind: "retry" } : { kind: "ack" }),
  );
  const acks: string[] = [];
  const retries = new Map<number, string[]>();
  const dying: LeasedMessage[] = [];
  live.forEach((m, i) => {
    const v = decided[i]!;
    if (v.kind === "ack") acks.push(m.receipt);
    else if (m.deliveryCount >= s.max_retries + 1) dying.push(m);
    else {
      const delayMs = (v.delaySeconds ?? s.retry_delay) * 1000;
      retries.set(delayMs, [...(retries.get(delayMs) ?? []), m.receipt]);
    }
  });
  if (acks.length) await applyToLiveLeases(acks, (some) => transport.ack(s.queue, s.group, some));
  for (const [delayMs, receipts] of retries)
    await applyToLiveLeases(receipts, (some) =>
      transport.nack(s.queue, s.group, some, { delayMs }),
    );
  report.acked += acks.length;
  report.retried += [...retries.values()].reduce((n, r) => n + r.length, 0);
  if (dying.length) await deadLetter(transport, s, dying, report);
}

/**
 * Messages past `max_retries`: produced to `dead_letter_queue` then acked
 * (at least once: a crash between the two sends it there again), or nacked at
 * once so the engine moves them to the group's dead letters when their
 * reconsume count passes the topic's `maxReconsumeTimes`.
 */
async function deadLetter(
  transport: Transport,
  s: Resolved,
  messages: LeasedMessage[],
  report: DrainReport,
): Promise<void> {
  const receipts = messages.map((m) => m.receipt);
  if (s.dead_letter_queue !== undefined) {
    const now = Date.now();
    await transport.send(s.dead_letter_queue, {
      messages: messages.map((m) => ({
        body: m.body,
        headers: deadLetterHeaders(m, `${s.queue}/${s.group}`, "max_retries", now),
        tags: m.tags,
        ...(m.key === undefined ? {} : { key: m.key }),
      })),
    });
    await applyToLiveLeases(receipts, (some) => transport.ack(s.queue, s.group, some));
  } else {
    await applyToLiveLeases(receipts, (some) =>
      transport.nack(s.queue, s.group, some, { delayMs: 0 }),
    );
  }
  report.deadLettered += messages.length;
}

/**
 * An ack or nack whose lease ran out while the handler worked is refused
 * (`conflict`, the stale receipts in `details.receipts`): the message is
 * already on its way back, as on Cloudflare when a consumer outlives its
 * visibility. Calls are all-or-nothing per queue, so the others are sent
 * again without them. Any other failure stops the drain (the alarm tries
 * again later; unacked leases come back when they expire).
 */
async function applyToLiveLeases(
  receipts: string[],
  apply: (receipts: string[]) => Promise<void>,
): Promise<void> {
  let rest = receipts;
  while (rest.length > 0) {
    try {
      await apply(rest);
      return;
    } catch (error) {
      const stale = isEdgeqError(error, "conflict") ? error.details?.receipts : undefined;
      if (!Array.isArray(stale) || stale.length === 0) throw error;
      console.warn(
        `edgeq: ${stale.length} lease(s) expired before the handler finished; delivered again`,
      );
      rest = rest.filter((r) => !stale.includes(r));
    }
  }
}
