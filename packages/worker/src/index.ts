/** @edgeq/worker: the edge broker. Deploy this module: it is the Worker and its Durable Object class. */
import { type AppEnv, createApp } from "./app.js";

// What a Worker that talks to the broker needs is its own light entry; the broker offers it too.
export * from "./bindings.js";
export { durableQueue } from "./broker/durable-queue.js";
export { QueueDO } from "./broker/queue-do.js";
export { type RateKind, RateLimiterDO } from "./broker/rate-limiter.js";
export { ReplicaDO } from "./broker/replica-do.js";
export type { TopicDescription } from "./broker/topic-admin.js";
export {
  type DeletedTopic,
  type TopicChange,
  TopicRegistryDO,
  type TopicsSnapshot,
} from "./broker/topic-registry.js";
export {
  type Durability,
  routerOf,
  type TopicRateLimit,
  topicConfig,
  topicRouter,
  type WorkerTopicConfig,
} from "./broker/topics.js";
export type { Grant, Principal, Right } from "./http/auth.js";
export type { PromoteResult, ReplicaRead } from "./replication/queue-replication.js";
export type { ReplicationSetting } from "./replication/replication-setting.js";
export { EdgeqRpc, type RpcOptions } from "./rpc/entrypoint.js";
export type { QueueRef, RpcWait } from "./shared/queue-ref.js";
export { type KvStoreOptions, openKvStore } from "./store/kv-store.js";
export { openSqliteStore, type SqliteStoreOptions } from "./store/sqlite-store.js";
export { createStreamApp } from "./streams/stream-app.js";
export { StreamDO } from "./streams/stream-do.js";
export type {
  AppendContent,
  AppendOutcome,
  AppendRequest,
  CreateRequest,
  ForkGrant,
  ForkRequest,
  ProducerHeaders,
  ReadOutcome,
  ReadRequest,
  StreamConfig,
  StreamState,
  TraceContext,
} from "./streams/stream-types.js";
export { type AppEnv, createApp };

/** The edgeq Worker: the HTTP API of docs/protocol.md (see `createApp`). */
export default createApp();
