import { EdgeqError } from "@edgeq/core";
import { memberStub, ORIGIN, replicaName } from "../replication/members.js";
import type { PromoteResult, ReplicaRead } from "../replication/queue-replication.js";
import type { ReplicationSetting } from "../replication/replication-setting.js";
import { unwrap } from "../shared/outcome.js";
import { topicConfig } from "./topics.js";

/** Location hints by the continent Cloudflare reports for a request (`request.cf.continent`). */
const HINTS_NEAR: Record<string, string[]> = {
  NA: ["enam", "wnam"],
  SA: ["sam", "enam"],
  EU: ["weur", "eeur"],
  AF: ["afr", "me", "weur"],
  AS: ["apac", "me"],
  OC: ["oc", "apac"],
};

async function replicatedQueue(
  env: Env,
  topic: string,
  queueId: number,
): Promise<ReplicationSetting> {
  const config = await topicConfig(env, topic);
  if (queueId >= config.queueCount)
    throw new EdgeqError("not_found", `topic ${topic} has no queue ${queueId}`);
  if (!config.replication)
    throw new EdgeqError("invalid_request", `topic ${topic} has no replication setting`);
  return config.replication;
}

/**
 * Failover (`POST …/queues/{queueId}/promote`): replica `replica` becomes the
 * queue's primary in a new term (it announces the term to every other member
 * as it opens), then the queue's own object records the pointer that routes
 * every later call there. Answers the new primary, its term and the last
 * batch it held.
 */
export async function promoteReplica(
  env: Env,
  topic: string,
  queueId: number,
  replica: unknown,
): Promise<PromoteResult> {
  const setting = await replicatedQueue(env, topic, queueId);
  if (
    typeof replica !== "number" ||
    !Number.isInteger(replica) ||
    replica < 0 ||
    replica >= setting.replicas
  )
    throw new EdgeqError("invalid_request", `replica must be an integer 0…${setting.replicas - 1}`);
  const member = replicaName(replica);
  const ref = { topic, queueId, member };
  const promoted = unwrap(await memberStub(env, ref, member, setting).promote(ref));
  const origin = { topic, queueId };
  unwrap(await memberStub(env, origin, ORIGIN, setting).pointTo(origin, member, promoted.term));
  return promoted;
}

/** A read by offset answered by one replica (`?replica=nearest|any|<i>`). */
export async function readFromReplica(
  env: Env,
  topic: string,
  queueId: number,
  choice: string,
  read: { from: number; limit?: number; tags?: string[]; continent?: string },
): Promise<ReplicaRead> {
  const setting = await replicatedQueue(env, topic, queueId);
  const named = /^\d$/.test(choice) ? Number(choice) : undefined;
  if (named !== undefined && named >= setting.replicas)
    throw new EdgeqError("invalid_request", `replica must be 0…${setting.replicas - 1}`);
  if (named === undefined && choice !== "nearest" && choice !== "any")
    throw new EdgeqError("invalid_request", "replica must be nearest, any or a replica number");
  const index =
    named !== undefined
      ? named
      : choice === "any"
        ? Math.floor(Math.random() * setting.replicas)
        : nearest(setting, read.continent);
  const member = replicaName(index);
  const ref = { topic, queueId, member };
  return unwrap(
    await memberStub(env, ref, member, setting).readReplica(
      ref,
      read.from,
      read.limit ?? 100,
      read.tags,
    ),
  );
}

/** The first replica placed near `continent`, else replica 0. */
function nearest(setting: ReplicationSetting, continent: string | undefined): number {
  const near = HINTS_NEAR[continent ?? ""] ?? [];
  for (let i = 0; i < setting.replicas; i++) {
    const hint = setting.locationHints[i % Math.max(1, setting.locationHints.length)];
    if (hint !== undefined && near.includes(hint)) return i;
  }
  return 0;
}
