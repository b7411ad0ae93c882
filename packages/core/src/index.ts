export { DedupSet, type DedupSetOptions, withDedup } from "./client/dedup.js";
export {
  DurableProducer,
  type DurableProducerHooks,
  type DurableProducerOptions,
  type DurableProducerStats,
  type SyncState,
  summarizeError,
} from "./client/durable/durable-producer.js";
export type {
  DeliveredMessage,
  DurableSendOptions,
  ErrorSummary,
  LocalDeadLetter,
  QueuedMessage,
} from "./client/durable/log-records.js";
export {
  inspectProducer,
  type ListOptions,
  type MessageInfo,
  type MessagePage,
  type MessageState,
  type ProducerInspector,
} from "./client/durable/producer-inspector.js";
export type {
  DurableSend,
  LocalDeadLetters,
  LogAppend,
} from "./client/durable/producer-log.js";
export { createHttpSender } from "./client/http-sender.js";
export {
  type FetchLike,
  type FetchResponseLike,
  HttpTransport,
  type HttpTransportOptions,
  parseRetryAfter,
  type TokenRequest,
  type TokenSource,
} from "./client/http-transport.js";
export { type LocalGroupOptions, LocalGroupTransport } from "./client/local-group.js";
export { LocalTransport } from "./client/local-transport.js";
export {
  Producer,
  type ProducerOptions,
  type SendOptions,
  type TransactionOutcome,
} from "./client/producer.js";
export { PushConsumer } from "./client/push-consumer.js";
export type {
  ConsumerErrorContext,
  ConsumerPhase,
  HandlerContext,
  MessageHandler,
  PushConsumerOptions,
  PushConsumerStats,
} from "./client/push-consumer-options.js";
export {
  asCapturedRequest,
  type CapturedRequest,
  capturedBody,
} from "./client/replay/captured-request.js";
export {
  createReplayHandler,
  type ReplayFetch,
  type ReplayOptions,
  type RequestReplayOptions,
  replayRequest,
  startRequestReplay,
} from "./client/replay/replay-requests.js";
export {
  type BackoffOptions,
  backoffDelay,
  classifyFailure,
  type FailureKind,
  isRetryableError,
  pause,
  type RetryOptions,
  retryAfterMs,
  retryDelayAfter,
  type Sleep,
  sleep,
  withRetries,
} from "./client/retry.js";
export {
  type OpenTelemetryApi,
  type TelemetrySpan,
  type TelemetryTracer,
  tracedBatch,
  tracedSend,
  useOpenTelemetry,
  withTraceContext,
} from "./client/trace.js";
export type * from "./client/transport.js";
export * from "./clock.js";
export { Broker, type BrokerOptions } from "./engine/broker.js";
export {
  CALL_DEFAULTS,
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_TOPIC_CONFIG,
  MAX_WAIT_MS,
  resolveTopicConfig,
  type TopicConfig,
} from "./engine/config.js";
export {
  type FlowSetting,
  type GroupSettings,
  parseGroupSettings,
} from "./engine/group-settings.js";
export {
  HISTORY_MINUTES,
  type HistorySample,
  MINUTE_MS,
  mergeHistory,
  type TopicHistory,
} from "./engine/history.js";
export { type MsgIdKind, type MsgIdParts, parseMsgId } from "./engine/ids.js";
export type { BlockedKey } from "./engine/leases.js";
export type { ProducerScope } from "./engine/producer-scope.js";
export { QueueEngine, type QueueEngineOptions, type ReceiveParams } from "./engine/queue-engine.js";
export {
  type Awaitable,
  QUEUE_VERBS,
  type QueueHandle,
  type QueueSnapshot,
  type QueueVerb,
  type WaitOptions,
} from "./engine/queue-handle.js";
export { RouterRotations } from "./engine/rotations.js";
export {
  type RouterReadOptions,
  type RouterReceiveOptions,
  TopicRouter,
} from "./engine/topic-router.js";
export type { TransactionFilter } from "./engine/transactions.js";
export {
  assertName,
  isPlainObject,
  type NormalizedAppend,
  type NormalizedMessage,
  normalizeAppend,
} from "./engine/validate.js";
export {
  EdgeqError,
  type EdgeqErrorCode,
  type EdgeqErrorOptions,
  errorStatus,
  isEdgeqError,
} from "./errors.js";
export * from "./model.js";
export { LocalReplicaLink } from "./replication/local-replica-link.js";
export { ReplicaApplier, type ReplicaApplierOptions } from "./replication/replica-applier.js";
export { readReplica } from "./replication/replica-reader.js";
export {
  ReplicatedStore,
  type ReplicatedStoreOptions,
} from "./replication/replicated-store.js";
export type { ReplicationRecord } from "./replication/replication-log.js";
export type * from "./replication/replication-types.js";
export { MemoryStorage, MemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export type { Store, StoreEntry, StoreOp, StoreRange, StoreTransaction } from "./store/store.js";
export { rangeBounds, transact } from "./store/store.js";
export { base64ToBytes, bytesToBase64 } from "./util/bytes.js";
export { ownValue } from "./util/own.js";
export {
  type BucketState,
  type RateLimit,
  type TakeResult,
  takeTokens,
} from "./util/token-bucket.js";
export { messageFromWire, messageToWire, type WireMessage } from "./wire.js";
