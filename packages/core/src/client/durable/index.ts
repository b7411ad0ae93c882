/**
 * `@edgeq/core/durable`: the log-first producer adapters build outboxes on
 * (the browser's IndexedDB outbox, the Worker's Queues producer): every send
 * is written to a local `Store` before it is delivered, and an
 * inspector lists what is queued, delivered or dead.
 * @module
 */

export { createHttpSender } from "../http-sender.js";
export {
  DurableProducer,
  type DurableProducerHooks,
  type DurableProducerOptions,
  type DurableProducerStats,
  type SyncState,
  summarizeError,
} from "./durable-producer.js";
export type {
  DeliveredMessage,
  DurableSendOptions,
  ErrorSummary,
  LocalDeadLetter,
  QueuedMessage,
} from "./log-records.js";
export {
  inspectProducer,
  type ListOptions,
  type MessageInfo,
  type MessagePage,
  type MessageState,
  type ProducerInspector,
} from "./producer-inspector.js";
export type { DurableSend, LocalDeadLetters, LogAppend } from "./producer-log.js";
