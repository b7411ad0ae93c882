import { EdgeqError } from "@edgeq/core";
import { assertName } from "@edgeq/core/engine";
import { memberNames, memberStub, ORIGIN } from "../replication/members.js";
import { unwrap } from "../shared/outcome.js";
import type { TopicChange } from "./topic-registry.js";
import type { WorkerTopicConfig } from "./topic-settings.js";
import { forgetTopics, knownTopics, topicConfig, topicRegistry } from "./topics.js";

/** A topic as the admin calls answer it. */
export interface TopicDescription {
  topic: string;
  settings: WorkerTopicConfig;
}

/**
 * Topics at runtime, for HTTP (`/v1/topics`) and EdgeqRpc alike: the
 * registry's calls plus what a change means for this isolate (its copy is
 * dropped, so it sees the change at once) and for the queues (a delete wipes them).
 */
export async function listTopics(env: Env): Promise<TopicDescription[]> {
  const topics = await knownTopics(env, { fresh: true });
  return [...topics]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topic, settings]) => ({ topic, settings }));
}

/** One topic and its settings, read from the registry now. */
export async function getTopic(env: Env, topic: string): Promise<TopicDescription> {
  return { topic, settings: await topicConfig(env, topic, { fresh: true }) };
}

/** Creates or updates a topic (see `TopicRegistryDO.put`). */
export async function putTopic(env: Env, topic: string, settings: unknown): Promise<TopicChange> {
  assertName("topic", topic);
  const change = unwrap(await registryOf(env).put(topic, settings));
  forgetTopics(env);
  return change;
}

/** Deletes a topic and every queue's data; repeating it after a failure wipes again. */
export async function deleteTopic(env: Env, topic: string): Promise<void> {
  assertName("topic", topic);
  const { queueCount, replication } = unwrap(await registryOf(env).delete(topic));
  forgetTopics(env);
  // Every member of a replicated queue holds a copy: the origin and each replica.
  const members = replication ? memberNames(replication) : [ORIGIN];
  await Promise.all(
    Array.from({ length: queueCount }, (_, queueId) =>
      members.map(async (member) => {
        const ref = member === ORIGIN ? { topic, queueId } : { topic, queueId, member };
        unwrap(await memberStub(env, ref, member, replication).destroy());
      }),
    ).flat(),
  );
}

function registryOf(env: Env) {
  if (!env.TOPIC_REGISTRY)
    throw new EdgeqError(
      "forbidden",
      "this deployment has no topic registry (binding TOPIC_REGISTRY): topics come from EDGEQ_TOPICS",
    );
  return topicRegistry(env);
}
