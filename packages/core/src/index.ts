/**
 * `@edgeq/core`: the clients (producer, push consumer, transports), the
 * message model and the typed errors. The engine, stores, replication and
 * the durable producer are behind subpaths: `@edgeq/core/engine`, `/store`,
 * `/replication`, `/durable`, `/replay`, `/util` and `/testing`
 * (docs/architecture.md, "Core").
 * @module
 */
export { DedupSet, type DedupSetOptions, withDedup } from "./client/dedup.js";
export type {
  FetchLike,
  FetchResponseLike,
  HttpTransportOptions,
  TokenRequest,
  TokenSource,
} from "./client/http-call.js";
export { HttpTransport } from "./client/http-transport.js";
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
  type BackoffOptions,
  isRetryableError,
  type RetryOptions,
  retryDelayAfter,
} from "./client/retry.js";
export {
  type OpenTelemetryApi,
  type TelemetrySpan,
  type TelemetryTracer,
  useOpenTelemetry,
} from "./client/trace.js";
export type * from "./client/transport.js";
export {
  EdgeqError,
  type EdgeqErrorCode,
  type EdgeqErrorOptions,
  errorStatus,
  isEdgeqError,
} from "./errors.js";
export * from "./model.js";
export { messageFromWire, messageToWire, type WireMessage } from "./wire.js";
