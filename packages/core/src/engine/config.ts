import { EdgeqError } from "../errors.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** RocketMQ's default retry delays (message delay levels 3 to 18): 10s 30s 1m 2m … 30m 1h 2h. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [
  10 * SECOND,
  30 * SECOND,
  1 * MINUTE,
  2 * MINUTE,
  3 * MINUTE,
  4 * MINUTE,
  5 * MINUTE,
  6 * MINUTE,
  7 * MINUTE,
  8 * MINUTE,
  9 * MINUTE,
  10 * MINUTE,
  20 * MINUTE,
  30 * MINUTE,
  1 * HOUR,
  2 * HOUR,
];

/** Per-topic settings; every queue of the topic uses them. */
export interface TopicConfig {
  /** Queues in the topic: the unit of ordering and of parallelism. Default 4. */
  queueCount: number;
  /** Messages older than this are deleted. Default 7 days. */
  retentionMs: number;
  /** Keep at most this many messages per queue. Default: unlimited (MAX_SAFE_INTEGER, so the config survives JSON). */
  maxMessages: number;
  /** Keep at most this many body bytes per queue. Default: unlimited. */
  maxBytes: number;
  /** Delay before the n-th redelivery of a failed message. Default: RocketMQ's schedule. */
  retrySchedule: readonly number[];
  /** Failures after which a message goes to the group's dead-letter queue. Default 16. */
  maxReconsumeTimes: number;
  /** Lease length when a receive does not name one. Default 30 s. */
  defaultVisibilityMs: number;
  /** Longest lease a receive or extend may ask for. Default 12 h (as SQS). */
  maxVisibilityMs: number;
  /** Recent sequence runs remembered per producer and queue. Default 128. */
  producerWindow: number;
  /** A producer silent this long is forgotten: its retries are no longer recognised. Default 30 days. */
  producerTtlMs: number;
  /** Largest message (body, key, tags and headers, in UTF-8 bytes). Default 128 KiB. */
  maxMessageBytes: number;
  /** Most messages in one append. Default 1,000. */
  maxBatchMessages: number;
  /** Most bytes in one append. Default 4 MiB. */
  maxBatchBytes: number;
  /** Longest delay a message may ask for. Default 40 days. */
  maxDelayMs: number;
  /**
   * Every message's delay when it asks for none (Cloudflare Queues'
   * `delivery_delay`): 0 to `maxDelayMs`. Default 0, delivered at once.
   */
  deliveryDelayMs: number;
  /** An undecided transaction is checked back this long after it began, then again each time. Default 60 s (RocketMQ's). */
  transactionCheckIntervalMs: number;
  /** Check-backs without an answer before the broker rolls the transaction back. Default 15 (RocketMQ's). */
  transactionMaxChecks: number;
}

/** Every TopicConfig field's default (see each field). */
export const DEFAULT_TOPIC_CONFIG: Readonly<TopicConfig> = /* @__PURE__ */ Object.freeze({
  queueCount: 4,
  retentionMs: 7 * DAY,
  maxMessages: Number.MAX_SAFE_INTEGER,
  maxBytes: Number.MAX_SAFE_INTEGER,
  retrySchedule: DEFAULT_RETRY_SCHEDULE,
  maxReconsumeTimes: 16,
  defaultVisibilityMs: 30 * SECOND,
  maxVisibilityMs: 12 * HOUR,
  producerWindow: 128,
  producerTtlMs: 30 * DAY,
  maxMessageBytes: 128 * 1024,
  maxBatchMessages: 1000,
  maxBatchBytes: 4 * 1024 * 1024,
  maxDelayMs: 40 * DAY,
  deliveryDelayMs: 0,
  transactionCheckIntervalMs: 60 * SECOND,
  transactionMaxChecks: 15,
});

/**
 * Defaults of the calls' optional arguments, the same on every surface (HTTP,
 * RPC, in process): the TopicRouter applies them, hosts pass absent values on.
 */
export const CALL_DEFAULTS = /* @__PURE__ */ Object.freeze({
  /** Messages per read. */
  readLimit: 100,
  /** Messages per receive. */
  receiveMax: 10,
  /** Dead letters per listing. */
  deadLetterLimit: 100,
  /** Dead letters per redrive. */
  redriveLimit: 1000,
  /** Messages per query by key. */
  queryLimit: 32,
});

/** Longest long-poll (`waitMs`) any read or receive may ask for: 30 s. */
export const MAX_WAIT_MS = 30_000;

/** Refuses a setting: `invalid_request` with the setting's name in `details.field`. */
function invalid(field: string, message: string): never {
  throw new EdgeqError("invalid_request", message, { details: { field } });
}

/** Fills defaults and rejects nonsense (`invalid_request`, naming the setting in `details.field`). */
export function resolveTopicConfig(partial: Partial<TopicConfig> = {}): TopicConfig {
  const config: TopicConfig = { ...DEFAULT_TOPIC_CONFIG, ...stripUndefined(partial) };
  const positiveInt = (name: keyof TopicConfig, max = 1_000_000) => {
    const v = config[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max)
      invalid(name, `${name} must be an integer from 1 to ${max}`);
  };
  const positive = (name: keyof TopicConfig) => {
    const v = config[name];
    if (typeof v !== "number" || Number.isNaN(v) || v <= 0)
      invalid(name, `${name} must be positive`);
  };
  positiveInt("queueCount", 1024);
  positive("retentionMs");
  positive("maxMessages");
  positive("maxBytes");
  positiveInt("maxReconsumeTimes", 10_000);
  positiveInt("defaultVisibilityMs", 2 ** 31);
  positiveInt("maxVisibilityMs", 2 ** 31);
  positiveInt("producerWindow", 100_000);
  positive("producerTtlMs");
  positiveInt("maxMessageBytes", 2 ** 30);
  positiveInt("maxBatchMessages", 1_000_000);
  positiveInt("maxBatchBytes", 2 ** 30);
  positive("maxDelayMs");
  const delay = config.deliveryDelayMs;
  if (!Number.isInteger(delay) || delay < 0 || delay > config.maxDelayMs)
    invalid("deliveryDelayMs", "deliveryDelayMs must be an integer from 0 to maxDelayMs");
  positiveInt("transactionCheckIntervalMs", 2 ** 31);
  positiveInt("transactionMaxChecks", 10_000);
  if (
    !Array.isArray(config.retrySchedule) ||
    config.retrySchedule.length === 0 ||
    !config.retrySchedule.every((d) => Number.isInteger(d) && d >= 0)
  )
    invalid(
      "retrySchedule",
      "retrySchedule must be a non-empty list of non-negative integer delays",
    );
  return config;
}

/** The delay before redelivery number `reconsumeTimes` (1-based): the last step repeats. */
export function retryDelay(schedule: readonly number[], reconsumeTimes: number): number {
  const i = Math.min(Math.max(reconsumeTimes, 1), schedule.length) - 1;
  return schedule[i]!;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
