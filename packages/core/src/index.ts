export {
  type BackoffOptions,
  backoffDelay,
  isRetryableError,
  pause,
  retryAfterMs,
  retryDelayAfter,
  type Sleep,
  sleep,
} from "./client/backoff.js";
export { DedupSet, type DedupSetOptions, withDedup } from "./client/dedup.js";
export {
  createHttpTransport,
  type FetchLike,
  type FetchResponseLike,
  HttpTransport,
  type HttpTransportOptions,
  parseRetryAfter,
  type TokenSource,
} from "./client/http-transport.js";
export { LocalTransport } from "./client/local-transport.js";
export {
  createProducer,
  Producer,
  type ProducerOptions,
  type SendOptions,
  type TransactionOutcome,
} from "./client/producer.js";
export { createPushConsumer, PushConsumer } from "./client/push-consumer.js";
export type {
  ConsumerErrorContext,
  ConsumerPhase,
  HandlerContext,
  MessageHandler,
  PushConsumerOptions,
  PushConsumerStats,
} from "./client/push-consumer-options.js";
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
export { type MsgIdParts, parseMsgId } from "./engine/ids.js";
export { QueueEngine, type QueueEngineOptions, type ReceiveParams } from "./engine/queue-engine.js";
export type {
  Awaitable,
  QueueHandle,
  QueueSnapshot,
  WaitOptions,
} from "./engine/queue-handle.js";
export {
  type RouterReadOptions,
  type RouterReceiveOptions,
  TopicRouter,
} from "./engine/topic-router.js";
export {
  assertName,
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
export { MemoryStorage, MemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export type { Store, StoreEntry, StoreOp, StoreRange } from "./store/store.js";
export { rangeBounds } from "./store/store.js";
export { messageFromWire, messageToWire, type WireMessage } from "./wire.js";
