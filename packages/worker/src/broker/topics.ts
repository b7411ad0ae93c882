import {
  assertName,
  EdgeqError,
  ManualClock,
  resolveTopicConfig,
  type TopicConfig,
  TopicRouter,
} from "@edgeq/core";
import { parseReplication, type ReplicationSetting } from "../replication/replication-setting.js";
import { DurableQueue } from "./durable-queue.js";

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

/** A topic's settings at the edge: the core's, plus how its Durable Objects store and check back. */
export interface WorkerTopicConfig extends TopicConfig {
  /** Default `sync`. */
  durability: Durability;
  /**
   * Name of a service binding whose `checkLocalTransaction(topic, tx)` answers
   * check-backs for this topic's undecided transactions (RocketMQ's producer
   * callback). Without one, producers poll `GET …/transactions?state=unknown`.
   */
  transactionChecker?: string;
  /** Copies of each queue in replica Durable Objects (see `ReplicationSetting`). Default none. */
  replication?: ReplicationSetting;
}

/**
 * Topic settings come from the `EDGEQ_TOPICS` var: a JSON object of topic
 * name to partial TopicConfig (defaults fill the rest). A topic not listed is
 * unknown (404), so a typo never creates a queue.
 */
export function topicConfig(env: Env, topic: string): WorkerTopicConfig {
  assertName("topic", topic);
  const configs = topicConfigs(env);
  const config = configs.get(topic);
  if (!config) throw new EdgeqError("not_found", `unknown topic ${topic}`);
  return config;
}

const parsed = new WeakMap<object, Map<string, WorkerTopicConfig>>();

function topicConfigs(env: Env): Map<string, WorkerTopicConfig> {
  const raw = env.EDGEQ_TOPICS;
  const source: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
  if (typeof source !== "object" || source === null) return new Map();
  let configs = parsed.get(source);
  if (!configs) {
    configs = new Map(
      Object.entries(source as Record<string, Partial<WorkerTopicConfig>>).map(
        ([name, { durability = "sync", replication, ...c }]) => {
          if (durability !== "sync" && durability !== "async")
            throw new EdgeqError(
              "invalid_request",
              `topic ${name}: durability must be sync or async`,
            );
          const replicated =
            replication === undefined ? {} : { replication: parseReplication(name, replication) };
          // Replicas copy what the primary's SQL store holds; `async` durability keeps it elsewhere.
          if (replication !== undefined && durability === "async")
            throw new EdgeqError(
              "invalid_request",
              `topic ${name}: replication needs durability sync`,
            );
          return [name, { ...resolveTopicConfig(c), durability, ...replicated }];
        },
      ),
    );
    parsed.set(source, configs);
  }
  return configs;
}

/**
 * The topic's router over its Durable Object queues, for one request. It
 * takes the time once, when made: in production `Date.now()` moves only
 * across I/O, so a request has one time, and nothing measures durations with it.
 *
 * Its turns (which queue the next anonymous batch goes to, where each group's
 * next receive starts) are not the router's: they are the isolate's, shared
 * by every request it serves (TopicRouter's default `RouterRotations`), and
 * each starts at a random queue, so isolates spread over the queues too.
 * Nothing is persisted: a new isolate starts its turns at random queues again.
 */
export function topicRouter(env: Env, topic: string): TopicRouter {
  const config = topicConfig(env, topic);
  const queues = Array.from(
    { length: config.queueCount },
    (_, queueId) =>
      new DurableQueue(
        env.QUEUE,
        { topic, queueId },
        config.replication && { env, setting: config.replication },
      ),
  );
  return new TopicRouter(topic, config, queues, new ManualClock(Date.now()));
}
