import { EdgeqError } from "@edgeq/core";
import {
  DEFAULT_TOPIC_CONFIG,
  isPlainObject,
  resolveTopicConfig,
  type TopicConfig,
} from "@edgeq/core/engine";
import type { RateLimit } from "@edgeq/core/util";
import type { ReplicationSetting } from "../replication/replication-setting.js";

/**
 * How a queue's writes reach disk before its answer leaves:
 * - `sync` (default): the Durable Object's output gate holds every answer
 *   until the write is confirmed durable; an acknowledged message survives
 *   any crash;
 * - `async`: answers leave as soon as the write is applied in memory
 *   (`allowUnconfirmed`); lower latency, but a machine failure in the few
 *   milliseconds before the flush can lose acknowledged messages.
 */
export type Durability = "sync" | "async";

/**
 * Per principal and topic (docs/protocol.md, Rate limits): `produce` counts
 * messages, `consume` counts consume calls. `burst` defaults to one second's
 * worth (at least 1).
 */
export interface TopicRateLimit {
  produce?: { messagesPerSecond: number; burst?: number };
  consume?: { requestsPerSecond: number; burst?: number };
}

/** A topic's settings at the edge: the core's, plus how its Durable Objects store, check back and limit. */
export interface WorkerTopicConfig extends TopicConfig {
  /** Default `sync`. */
  durability: Durability;
  /**
   * Name of a service binding whose `checkLocalTransaction(topic, tx)` answers
   * check-backs for this topic's undecided transactions (RocketMQ's producer
   * callback). Without one, producers poll `GET …/transactions?state=unknown`.
   */
  transactionChecker?: string;
  /**
   * Durable Object bindings of the broker (classes made by
   * `createQueueConsumerObject`, usually in the consumer Worker, bound with
   * `script_name`) started after a produce to this topic, once per isolate:
   * a consumer Worker written as Cloudflare's docs show consumes with no start
   * call, whoever produces. Default none.
   */
  consumerObjects?: string[];
  /** Default: no limit. */
  rateLimit?: TopicRateLimit;
  /** Copies of each queue in replica Durable Objects (see `ReplicationSetting`). Default none. */
  replication?: ReplicationSetting;
}

const EDGE_SETTINGS = [
  "durability",
  "transactionChecker",
  "consumerObjects",
  "rateLimit",
  "replication",
];
/** Cloudflare's Durable Object location hints (where a new object is created). */
const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"];
const MAX_REPLICAS = 5;
/** What wrangler accepts as a binding name: a JavaScript identifier. */
const BINDING_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;
const KNOWN = new Set([...Object.keys(DEFAULT_TOPIC_CONFIG), ...EDGE_SETTINGS]);

function refuse(field: string, message: string): never {
  throw new EdgeqError("invalid_request", message, { details: { field } });
}

/**
 * A topic's settings from `EDGEQ_TOPICS` or a `PUT /v1/topics/{topic}` body:
 * every field known, every value in range, defaults filled in. A bad one is
 * `invalid_request` naming the setting in `details.field`.
 */
export function parseTopicSettings(raw: unknown): WorkerTopicConfig {
  if (!isPlainObject(raw)) refuse("settings", "topic settings must be an object");
  for (const field of Object.keys(raw))
    if (!KNOWN.has(field)) refuse(field, `unknown topic setting ${field}`);
  const {
    durability = "sync",
    transactionChecker,
    consumerObjects,
    rateLimit,
    replication,
    ...core
  } = raw;
  if (
    consumerObjects !== undefined &&
    (!Array.isArray(consumerObjects) ||
      consumerObjects.length > 16 ||
      !consumerObjects.every((b) => typeof b === "string" && BINDING_NAME.test(b)))
  )
    refuse("consumerObjects", "consumerObjects must be a list of at most 16 binding names");
  if (durability !== "sync" && durability !== "async")
    refuse("durability", "durability must be sync or async");
  if (
    transactionChecker !== undefined &&
    (typeof transactionChecker !== "string" || !BINDING_NAME.test(transactionChecker))
  )
    refuse("transactionChecker", "transactionChecker must be a binding name");
  const config: WorkerTopicConfig = {
    ...resolveTopicConfig(core as Partial<TopicConfig>),
    durability,
    ...(transactionChecker === undefined ? {} : { transactionChecker }),
    ...(consumerObjects === undefined
      ? {}
      : { consumerObjects: [...(consumerObjects as string[])] }),
  };
  if (rateLimit !== undefined) config.rateLimit = parseRateLimit(rateLimit);
  if (replication !== undefined) {
    // Replicas copy what the primary's SQL store holds; `async` durability keeps it elsewhere.
    if (durability === "async") refuse("replication", "replication needs durability sync");
    config.replication = parseReplication(replication);
  }
  return config;
}

/** A `replication` value: replicas 1…5, mode, acks 1…replicas, known location hints. */
function parseReplication(raw: unknown): ReplicationSetting {
  if (!isPlainObject(raw)) refuse("replication", "replication must be an object");
  const { replicas, mode = "sync", acks = 1, locationHints = [], ...rest } = raw;
  for (const key of Object.keys(rest))
    refuse(`replication.${key}`, `unknown setting replication.${key}`);
  if (typeof replicas !== "number" || !Number.isInteger(replicas))
    refuse("replication.replicas", `replication.replicas must be an integer 1…${MAX_REPLICAS}`);
  if (replicas < 1 || replicas > MAX_REPLICAS)
    refuse("replication.replicas", `replication.replicas must be an integer 1…${MAX_REPLICAS}`);
  if (mode !== "sync" && mode !== "async")
    refuse("replication.mode", "replication.mode must be sync or async");
  if (typeof acks !== "number" || !Number.isInteger(acks) || acks < 1 || acks > replicas)
    refuse("replication.acks", `replication.acks must be an integer 1…${replicas}`);
  if (
    !Array.isArray(locationHints) ||
    locationHints.some((hint) => typeof hint !== "string" || !LOCATION_HINTS.includes(hint))
  )
    refuse(
      "replication.locationHints",
      `replication.locationHints must be a list of ${LOCATION_HINTS.join(", ")}`,
    );
  return { replicas, mode, acks, locationHints: locationHints as string[] };
}

function parseRateLimit(raw: unknown): TopicRateLimit {
  if (!isPlainObject(raw)) refuse("rateLimit", "rateLimit must be an object");
  const out: TopicRateLimit = {};
  for (const [kind, unit] of [
    ["produce", "messagesPerSecond"],
    ["consume", "requestsPerSecond"],
  ] as const) {
    const value = raw[kind];
    if (value === undefined) continue;
    const field = `rateLimit.${kind}`;
    if (!isPlainObject(value)) refuse(field, `${field} must be an object`);
    for (const key of Object.keys(value))
      if (key !== unit && key !== "burst")
        refuse(`${field}.${key}`, `unknown setting ${field}.${key}`);
    const rate = value[unit];
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0 || rate > 1_000_000)
      refuse(`${field}.${unit}`, `${field}.${unit} must be a number above 0, at most 1,000,000`);
    const burst = value.burst;
    if (
      burst !== undefined &&
      (typeof burst !== "number" || !Number.isInteger(burst) || burst < 1 || burst > 1_000_000)
    )
      refuse(`${field}.burst`, `${field}.burst must be an integer from 1 to 1,000,000`);
    (out as Record<string, unknown>)[kind] = {
      [unit]: rate,
      ...(burst === undefined ? {} : { burst }),
    };
  }
  for (const key of Object.keys(raw))
    if (key !== "produce" && key !== "consume")
      refuse(`rateLimit.${key}`, `unknown setting rateLimit.${key}`);
  return out;
}

/** The bucket of one kind of call under a topic's rate limit, or undefined when it has none. */
export function bucketOf(
  config: WorkerTopicConfig,
  kind: "produce" | "consume",
): RateLimit | undefined {
  const setting = config.rateLimit?.[kind];
  if (!setting) return undefined;
  const rate =
    "messagesPerSecond" in setting ? setting.messagesPerSecond : setting.requestsPerSecond;
  return { rate, burst: setting.burst ?? Math.max(1, Math.ceil(rate)) };
}
