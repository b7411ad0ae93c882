/**
 * The whole broker: the HTTP API (the default export), the Durable Object classes
 * that hold each topic queue, its replicas and each Durable Stream, and the RPC entrypoint
 * other Workers bind to.
 * Add your own routes or middleware by wrapping `createApp()` from "@edgeq/worker".
 */
export {
  default,
  EdgeqRpc,
  QueueDO,
  RateLimiterDO,
  ReplicaDO,
  StreamDO,
  TopicRegistryDO,
} from "@edgeq/worker";
