/**
 * `@edgeq/core/engine`: the broker engine a host runs over a `Store`:
 * the topic router and its queues, their settings, validation of what
 * producers send, ids, history, and the clock the engine keeps time by.
 * Clients need none of it; a host (a Durable Object, a test, a Node server) does.
 * @module
 */
export * from "../clock.js";
export { type AppendText, appendFromText, appendToText } from "./append-text.js";
export { Broker, type BrokerOptions, type BrokerRouterCalls } from "./broker.js";
export {
  CALL_DEFAULTS,
  DEFAULT_RETRY_SCHEDULE,
  DEFAULT_TOPIC_CONFIG,
  MAX_WAIT_MS,
  resolveTopicConfig,
  type TopicConfig,
} from "./config.js";
export { type FlowSetting, type GroupSettings, parseGroupSettings } from "./group-settings.js";
export {
  HISTORY_MINUTES,
  type HistorySample,
  MINUTE_MS,
  mergeHistory,
  type TopicHistory,
} from "./history.js";
export { type MsgIdKind, type MsgIdParts, parseMsgId } from "./ids.js";
export type { BlockedKey } from "./leases.js";
export type { ProducerScope } from "./producer-scope.js";
export {
  QueueEngine,
  type QueueEngineOptions,
  type ReceiveParams,
} from "./queue-engine.js";
export {
  type Awaitable,
  QUEUE_VERBS,
  type QueueHandle,
  type QueueSnapshot,
  type QueueVerb,
  type WaitOptions,
  type WireRead,
} from "./queue-handle.js";
export { RouterRotations } from "./rotations.js";
export {
  ROUTER_VERBS,
  type RouterReadOptions,
  type RouterReceiveOptions,
  type RouterVerb,
  TopicRouter,
} from "./topic-router.js";
export type { TransactionFilter } from "./transactions.js";
export {
  assertName,
  isPlainObject,
  type NormalizedAppend,
  type NormalizedMessage,
  normalizeAppend,
} from "./validate.js";
