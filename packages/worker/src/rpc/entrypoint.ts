import { WorkerEntrypoint } from "cloudflare:workers";
import type { AppendRequest, SendResult, TopicInfo, Transport } from "@edgeq/core";
import {
  type RoutedVerb,
  type RouterCaller,
  TRANSPORT_CALLS,
  TRANSPORT_VERBS,
} from "@edgeq/core/transport-calls";
import { defineVerbMethods } from "@edgeq/core/util";
import { wakeConsumers } from "../broker/consumer-wake.js";
import { promoteReplica, readFromReplica } from "../broker/failover.js";
import {
  deleteTopic,
  getTopic,
  listTopics,
  putTopic,
  type TopicDescription,
} from "../broker/topic-admin.js";
import type { TopicChange } from "../broker/topic-registry.js";
import { topicConfig, topicRouter } from "../broker/topics.js";
import type { PromoteResult, ReplicaRead } from "../replication/queue-replication.js";
import { type Outcome, outcomeOf } from "../shared/outcome.js";

/** Options as they cross RPC: an AbortSignal cannot, so long-polls are bounded by `waitMs`. */
export type RpcOptions<O> = Omit<O, "signal">;

/**
 * EdgeqRpc's method for each Transport call: the Transport call's arguments
 * (options without their signal, which cannot cross RPC: a long-poll is
 * bounded by its `waitMs`), its value or error answered as an Outcome.
 */
export type EdgeqRpcCalls = {
  [V in RoutedVerb]: (
    topic: string,
    ...args: RpcArgs<Parameters<Transport[V]>>
  ) => Promise<Outcome<Awaited<ReturnType<Transport[V]>>>>;
};

/** A Transport call's arguments after its topic, each options object without its signal. */
export type RpcArgs<A> = A extends [string, ...infer R]
  ? { [K in keyof R]: RpcOptionsOf<R[K]> }
  : never;

/** An argument as it crosses RPC: options without their `signal`. */
type RpcOptionsOf<T> = T extends { signal?: AbortSignal } ? RpcOptions<T> : T;

// The class's static block defines these on its prototype, one per TRANSPORT_VERBS entry.
export interface EdgeqRpc extends EdgeqRpcCalls {}

/**
 * edgeq for other Workers: bind it as a service (`"entrypoint": "EdgeqRpc"`)
 * and talk to it with `RpcTransport`, whose calls these methods mirror. Same
 * semantics as HTTP, minus HTTP: a service binding is already trusted by the
 * account that made it, so no token is asked for. Every method answers an
 * `Outcome`, errors as data. The Transport calls are the core's
 * TRANSPORT_CALLS on the topic's router, as LocalTransport's are on a Broker.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the static block's methods
export class EdgeqRpc extends WorkerEntrypoint<Env> {
  static {
    // Each Transport call but those written out here is its TRANSPORT_CALLS entry on the topic's router.
    defineVerbMethods(EdgeqRpc.prototype, TRANSPORT_VERBS, (verb) => {
      const call = TRANSPORT_CALLS[verb as RoutedVerb] as (
        route: RouterCaller,
        ...args: unknown[]
      ) => Promise<unknown>;
      return function (this: EdgeqRpc, topic: string, ...args: unknown[]) {
        return outcomeOf(async () => call(await routerCaller(this.env, topic), ...args));
      };
    });
  }

  /** Makes replica `replica` the primary of a replicated queue (`POST …/queues/{queueId}/promote`). */
  promote(topic: string, queueId: number, replica: number): Promise<Outcome<PromoteResult>> {
    return outcomeOf(() => promoteReplica(this.env, topic, queueId, replica));
  }
  /** Reads a replicated queue by offset from one replica (`GET …/messages?replica=`). */
  readReplica(
    topic: string,
    queueId: number,
    replica: "nearest" | "any" | number,
    options: { from: number; limit?: number; tags?: string[] },
  ): Promise<Outcome<ReplicaRead>> {
    return outcomeOf(() => readFromReplica(this.env, topic, queueId, String(replica), options));
  }
  /** The topic and its queue count; `not_found` for an unknown topic. */
  topicInfo(topic: string): Promise<Outcome<TopicInfo>> {
    return outcomeOf(async () => ({
      topic,
      queueCount: (await topicConfig(this.env, topic)).queueCount,
    }));
  }
  /** Appends a batch; one result per message, in order (`POST …/messages`). */
  send(topic: string, request: AppendRequest): Promise<Outcome<SendResult[]>> {
    return outcomeOf(async () => {
      const results = await (await topicRouter(this.env, topic)).send(request);
      await wakeConsumers(this.env, topic);
      return results;
    });
  }
  /** Deletes dead letters for good; answers how many. */
  discardDeadLetters(
    topic: string,
    group: string,
    options: { limit?: number; msgIds?: string[] } = {},
  ): Promise<Outcome<number>> {
    return outcomeOf(async () =>
      (await topicRouter(this.env, topic)).discardDeadLetters(group, options),
    );
  }
  /** Skips a group's whole backlog; answers how many messages. */
  purgeGroup(topic: string, group: string): Promise<Outcome<number>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).purgeGroup(group));
  }
  /** Deletes every message of the topic (dead letters, open transactions and offsets stay); answers how many. */
  purge(topic: string): Promise<Outcome<number>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).purge());
  }
  /** Deletes a consumer group from every queue of the topic (offsets, leases, retries, dead letters). */
  deleteGroup(topic: string, group: string): Promise<Outcome<void>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).deleteGroup(group));
  }
  // ── topics at runtime (docs/protocol.md, Topics at runtime) ──

  /** Every topic with its settings, sorted by name. */
  listTopics(): Promise<Outcome<TopicDescription[]>> {
    return outcomeOf(() => listTopics(this.env));
  }
  /** One topic's settings (`not_found` when it does not exist). */
  getTopic(topic: string): Promise<Outcome<TopicDescription>> {
    return outcomeOf(() => getTopic(this.env, topic));
  }
  /** Creates or updates a topic: `created` says which. */
  putTopic(topic: string, settings: unknown): Promise<Outcome<TopicChange>> {
    return outcomeOf(() => putTopic(this.env, topic, settings));
  }
  /** Deletes a topic and every queue's data. */
  deleteTopic(topic: string): Promise<Outcome<void>> {
    return outcomeOf(() => deleteTopic(this.env, topic));
  }
}

/** The calls of `topic`'s router, for TRANSPORT_CALLS. */
async function routerCaller(env: Env, topic: string): Promise<RouterCaller> {
  const router = (await topicRouter(env, topic)) as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  return ((verb: string, ...args: unknown[]) => router[verb]!(...args)) as RouterCaller;
}
