import { EdgeqError } from "@edgeq/core";
import { assertName, ManualClock, TopicRouter } from "@edgeq/core/engine";
import { unwrap } from "../shared/outcome.js";
import { durableQueue } from "./durable-queue.js";
import { seedTopics, type TopicsSnapshot } from "./topic-registry.js";
import { parseTopicSettings, type WorkerTopicConfig } from "./topic-settings.js";

export type { Durability, TopicRateLimit, WorkerTopicConfig } from "./topic-settings.js";

/**
 * How long an isolate serves topics from its copy of the registry. A change
 * (PUT or DELETE) is seen at once by the isolate that made it and by every
 * other isolate within this time: the first request after it expires fetches
 * the registry's snapshot again (one Durable Object call per isolate per 5 s,
 * so routing adds no round trip per request). A queue's Durable Object checks
 * the registry itself, uncached, before it creates its queue, so a writer
 * with a stale copy cannot bring back a deleted topic's data.
 */
export const TOPIC_CACHE_TTL_MS = 5_000;

interface Cached {
  topics: Map<string, WorkerTopicConfig>;
  at: number;
}

// One copy per env object (per isolate in production), not per request. Only
// answers are shared, never a call in flight: a promise resolved by another
// request's (or another Durable Object's) I/O runs its continuation in that
// context, so awaiting it hangs when that context is gone or blocked (a queue
// object inside `blockConcurrencyWhile` waiting for this one: a deadlock).
const cached = new WeakMap<object, Cached>();

/** The registry's object: one per Worker. */
export function topicRegistry(env: Env) {
  return env.TOPIC_REGISTRY!.get(env.TOPIC_REGISTRY!.idFromName("topics"));
}

/** Bumped by `forgetTopics`: an answer to a call started before a change is not kept. */
const generations = new WeakMap<object, number>();

async function fetchTopics(env: Env): Promise<Cached> {
  const generation = generations.get(env) ?? 0;
  // Without the registry binding (a Worker deployed with the QUEUE binding only),
  // EDGEQ_TOPICS is the whole truth, as before topics could change at runtime.
  const snapshot: TopicsSnapshot = env.TOPIC_REGISTRY
    ? unwrap(await topicRegistry(env).snapshot())
    : { version: 0, topics: staticTopics(env) };
  const fetched = { topics: new Map(Object.entries(snapshot.topics)), at: Date.now() };
  const current = cached.get(env);
  // Calls that overlap each ask the registry; the newest answer stays.
  if ((generations.get(env) ?? 0) === generation && (!current || current.at <= fetched.at))
    cached.set(env, fetched);
  return fetched;
}

function staticTopics(env: Env): Record<string, WorkerTopicConfig> {
  return Object.fromEntries(
    Object.entries(seedTopics(env)).map(([name, settings]) => [name, parseTopicSettings(settings)]),
  );
}

/** Every topic's settings as this isolate knows them (`fresh`: from the registry now). */
export async function knownTopics(
  env: Env,
  options: { fresh?: boolean } = {},
): Promise<Map<string, WorkerTopicConfig>> {
  const copy = cached.get(env);
  // Without the registry nothing changes at runtime: the copy never expires.
  if (copy && !options.fresh && (!env.TOPIC_REGISTRY || Date.now() - copy.at < TOPIC_CACHE_TTL_MS))
    return copy.topics;
  return (await fetchTopics(env)).topics;
}

/** Drops this isolate's copy, after a change made here. */
export function forgetTopics(env: Env): void {
  cached.delete(env);
  generations.set(env, (generations.get(env) ?? 0) + 1);
}

/**
 * A topic's settings, from the registry (through the isolate's copy). A
 * topic it does not hold is unknown (404), so a typo never creates a queue.
 */
export async function topicConfig(
  env: Env,
  topic: string,
  options: { fresh?: boolean } = {},
): Promise<WorkerTopicConfig> {
  assertName("topic", topic);
  const config = (await knownTopics(env, options)).get(topic);
  if (!config) throw new EdgeqError("not_found", `unknown topic ${topic}`);
  return config;
}

/**
 * A topic's router over its Durable Object queues, for one request. It
 * takes the time once, when made: in production `Date.now()` moves only
 * across I/O, so a request has one time, and nothing measures durations with it.
 *
 * Its turns (which queue the next anonymous batch goes to, where each group's
 * next receive starts) are not the router's: they are the isolate's, shared
 * by every request it serves (TopicRouter's default `RouterRotations`), and
 * each starts at a random queue, so isolates spread over the queues too.
 * Nothing is persisted: a new isolate starts its turns at random queues again.
 */
export function routerOf(env: Env, topic: string, config: WorkerTopicConfig): TopicRouter {
  const queues = Array.from({ length: config.queueCount }, (_, queueId) =>
    durableQueue(
      env.QUEUE,
      { topic, queueId },
      config.replication && { env, setting: config.replication },
    ),
  );
  return new TopicRouter(topic, config, queues, new ManualClock(Date.now()));
}

/** `routerOf` the topic's current settings. */
export async function topicRouter(env: Env, topic: string): Promise<TopicRouter> {
  return routerOf(env, topic, await topicConfig(env, topic));
}
