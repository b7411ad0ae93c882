import {
  assertName,
  EdgeqError,
  resolveTopicConfig,
  type TopicConfig,
  TopicRouter,
} from "@edgeq/core";
import { DurableQueue } from "./durable-queue.js";

/**
 * Topic settings come from the `EDGEQ_TOPICS` var: a JSON object of topic
 * name to partial TopicConfig (defaults fill the rest). A topic not listed is
 * unknown (404), so a typo never creates a queue.
 */
export function topicConfig(env: Env, topic: string): TopicConfig {
  assertName("topic", topic);
  const configs = topicConfigs(env);
  const config = configs.get(topic);
  if (!config) throw new EdgeqError("not_found", `unknown topic ${topic}`);
  return config;
}

const parsed = new WeakMap<object, Map<string, TopicConfig>>();

function topicConfigs(env: Env): Map<string, TopicConfig> {
  const raw = env.EDGEQ_TOPICS;
  const source: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
  if (typeof source !== "object" || source === null) return new Map();
  let configs = parsed.get(source);
  if (!configs) {
    configs = new Map(
      Object.entries(source as Record<string, Partial<TopicConfig>>).map(([name, c]) => [
        name,
        resolveTopicConfig(c),
      ]),
    );
    parsed.set(source, configs);
  }
  return configs;
}

/** The topic's router over its Durable Object queues. */
export function topicRouter(env: Env, topic: string): TopicRouter {
  const config = topicConfig(env, topic);
  const queues = Array.from(
    { length: config.queueCount },
    (_, queueId) => new DurableQueue(env.QUEUE, { topic, queueId }),
  );
  return new TopicRouter(topic, config, queues, () => Date.now());
}
