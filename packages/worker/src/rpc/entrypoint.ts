import { WorkerEntrypoint } from "cloudflare:workers";
import type {
  AppendRequest,
  DeadLetter,
  LeasedMessage,
  Message,
  ReadOptions,
  ReadResult,
  ReceiveOptions,
  SendResult,
  TopicInfo,
  TopicStats,
  TransactionAction,
  TransactionInfo,
} from "@edgeq/core";
import type { GroupSettings } from "@edgeq/core/engine";
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
 * edgeq for other Workers: bind it as a service (`"entrypoint": "EdgeqRpc"`)
 * and talk to it with `RpcTransport`, whose calls these methods mirror. Same
 * semantics as HTTP, minus HTTP: a service binding is already trusted by the
 * account that made it, so no token is asked for. Every method answers an
 * `Outcome`, errors as data.
 */
export class EdgeqRpc extends WorkerEntrypoint<Env> {
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
  /** Reads a queue by offset (`GET …/queues/{queueId}/messages`). */
  read(
    topic: string,
    queueId: number,
    options: RpcOptions<ReadOptions>,
  ): Promise<Outcome<ReadResult>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).read(queueId, options));
  }
  /** A group's committed offset per queue id. */
  getOffsets(topic: string, group: string): Promise<Outcome<Record<string, number>>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).getOffsets(group));
  }
  /** Commits a group's offsets (forward only unless `reset`). */
  commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options: { reset?: boolean } = {},
  ): Promise<Outcome<Record<string, number>>> {
    return outcomeOf(async () =>
      (await topicRouter(this.env, topic)).commitOffsets(group, offsets, options.reset === true),
    );
  }
  /** Leases messages to `group`, taking turns over the topic's queues. */
  receive(
    topic: string,
    group: string,
    options: RpcOptions<ReceiveOptions> = {},
  ): Promise<Outcome<LeasedMessage[]>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).receive(group, options));
  }
  /** Settles leased messages for good. */
  ack(topic: string, group: string, receipts: string[]): Promise<Outcome<void>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).ack(group, receipts));
  }
  /** Gives leased messages back to the retry schedule (or after `delayMs`). */
  nack(
    topic: string,
    group: string,
    receipts: string[],
    options: { delayMs?: number } = {},
  ): Promise<Outcome<void>> {
    return outcomeOf(async () =>
      (await topicRouter(this.env, topic)).nack(group, receipts, options.delayMs),
    );
  }
  /** Extends leases to `visibilityMs` from now. */
  extend(
    topic: string,
    group: string,
    receipts: string[],
    visibilityMs: number,
  ): Promise<Outcome<void>> {
    return outcomeOf(async () =>
      (await topicRouter(this.env, topic)).extend(group, receipts, visibilityMs),
    );
  }
  /** A pull consumer's failed message, sent to the group's retry schedule. */
  sendBack(
    topic: string,
    group: string,
    message: Pick<Message, "queueId" | "offset">,
    options: { delayMs?: number } = {},
  ): Promise<Outcome<void>> {
    return outcomeOf(async () =>
      (await topicRouter(this.env, topic)).sendBack(
        group,
        message.queueId,
        message.offset,
        options.delayMs,
      ),
    );
  }
  /** One message by msgId. */
  getMessage(topic: string, msgId: string): Promise<Outcome<Message>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).getMessage(msgId));
  }
  /** Messages with `key`, oldest first. */
  queryByKey(
    topic: string,
    key: string,
    options: { limit?: number } = {},
  ): Promise<Outcome<Message[]>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).queryByKey(key, options));
  }
  /** The group's dead letters, oldest first, with reasons. */
  listDeadLetters(
    topic: string,
    group: string,
    options: { limit?: number } = {},
  ): Promise<Outcome<DeadLetter[]>> {
    return outcomeOf(async () =>
      (await topicRouter(this.env, topic)).listDeadLetters(group, options.limit),
    );
  }
  /** Moves dead letters back to the retry schedule; answers how many moved. */
  redrive(
    topic: string,
    group: string,
    options: { limit?: number; msgIds?: string[] } = {},
  ): Promise<Outcome<number>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).redrive(group, options));
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
  /** A group's settings (`{}`: defaults). */
  groupSettings(topic: string, group: string): Promise<Outcome<GroupSettings>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).groupSettings(group));
  }
  /** Replaces a group's settings (ordered, flow, paused, maxRetries, retryDelayMs); answers them. */
  setGroupSettings(
    topic: string,
    group: string,
    settings: unknown,
  ): Promise<Outcome<GroupSettings>> {
    return outcomeOf(async () =>
      (await topicRouter(this.env, topic)).setGroupSettings(group, settings),
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
  /** Per-queue offsets and sizes and per-group lag. */
  stats(topic: string): Promise<Outcome<TopicStats>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).stats());
  }
  /** Commits or rolls back a transaction. */
  endTransaction(
    topic: string,
    txId: string,
    action: TransactionAction,
  ): Promise<Outcome<TransactionInfo>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).endTransaction(txId, action));
  }
  /** Transactions of the topic, optionally of one producer or in one state. */
  listTransactions(
    topic: string,
    filter: { producerId?: string; state?: "unknown" | "pending" } = {},
  ): Promise<Outcome<TransactionInfo[]>> {
    return outcomeOf(async () => (await topicRouter(this.env, topic)).listTransactions(filter));
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
