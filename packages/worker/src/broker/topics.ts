import { assertName, EdgeqError, ManualClock, TopicRouter } from "@edgeq/core";
import { DurableQueue } from "./durable-queue.js";
import { parseTopicSettings, type WorkerTopicConfig } from "./topic-settings.js";

export type { Durability, TopicRateLimit, WorkerTopicConfig } from "./topic-settings.js";

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
      Object.entries(source).map(([name, settings]) => {
        try {
          return [name, parseTopicSettings(settings)];
        } catch (error) {
          throw new Error(`EDGEQ_TOPICS: topic ${name}: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }),
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
    (_, queueId) => new DurableQueue(env.QUEUE, { topic, queueId }),
  );
  return new TopicRouter(topic, config, queues, new ManualClock(Date.now()));
}
