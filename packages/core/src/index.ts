export * from "./errors.js";
export * from "./model.js";
export * from "./clock.js";
export type { Store, StoreEntry, StoreOp, StoreRange } from "./store/store.js";
export { prefixEnd, rangeBounds } from "./store/store.js";
export { MemoryStore, MemoryStorage, createMemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export { encodeNum, decodeNum, encodeStr, decodeStr } from "./store/keys.js";
export {
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_TOPIC_CONFIG,
  resolveTopicConfig,
  retryDelay,
  type TopicConfig,
} from "./engine/config.js";
export { QueueEngine, type QueueEngineOptions, type ReceiveParams } from "./engine/queue-engine.js";
export { Broker, MAX_WAIT_MS, type BrokerOptions, type BrokerReadOptions, type BrokerReceiveOptions } from "./engine/broker.js";
export { parseMsgId, parseReceipt, queueOf } from "./engine/ids.js";
export {
  NAME_PATTERN,
  assertName,
  normalizeAppend,
  type NormalizedAppend,
  type NormalizedMessage,
} from "./engine/validate.js";
export { pickQueue, fnv1a } from "./util/hash.js";
export { bytesToBase64, base64ToBytes } from "./util/bytes.js";
export type * from "./client/transport.js";
export { LocalTransport } from "./client/local-transport.js";
export { Producer, createProducer, type ProducerOptions, type SendOptions } from "./client/producer.js";
export { PushConsumer, createPushConsumer } from "./client/push-consumer.js";
export type {
  ConsumerErrorContext,
  ConsumerPhase,
  HandlerContext,
  MessageHandler,
  PushConsumerOptions,
  PushConsumerStats,
} from "./client/push-consumer-options.js";
export { DedupSet, withDedup, type DedupSetOptions } from "./client/dedup.js";
export { backoffDelay, isRetryableError, sleep, type BackoffOptions, type Sleep } from "./client/backoff.js";
