/**
 * @edgeq/worker/bindings: what a Worker that talks to an edgeq broker needs, and nothing of
 * the broker itself (no Durable Object of the broker, no HTTP API, no console): `RpcTransport`
 * over a service binding to `EdgeqRpc`, and the Cloudflare Queues producer and consumer.
 * A consumer-only Worker bundled from here stays small (README, "A drop-in for Cloudflare Queues").
 */
// The core's own switch (one module state): called once, it traces the Queues producer and consumer too.
export { type OpenTelemetryApi, useOpenTelemetry } from "@edgeq/core";
export type {
  QueueMessage,
  QueueMessageBatch,
  RetryOptions,
} from "./queues/batch.js";
export {
  createQueueConsumer,
  type DrainOptions,
  type DrainReport,
  type QueueConsumer,
  type QueueConsumerSettings,
  type QueueHandler,
} from "./queues/consumer.js";
export {
  createQueueConsumerObject,
  type QueueConsumerObjectClass,
  type QueueConsumerObjectOptions,
} from "./queues/consumer-object.js";
export { CF_LIMITS, type ContentType } from "./queues/content.js";
export type { BacklogMetrics } from "./queues/metrics.js";
export {
  createQueueProducer,
  type QueueProducer,
  type QueueProducerOptions,
  type QueueProducerRequest,
  type QueueProducerResponse,
  type QueueProducerSendOptions,
} from "./queues/producer.js";
export { type EdgeqRpcBinding, type EdgeqRpcTarget, RpcTransport } from "./rpc/rpc-transport.js";
export { type QueueConsumerObjectStub, startQueueConsumer } from "./shared/consumer-start.js";
export type { ErrorData, Outcome } from "./shared/outcome.js";
