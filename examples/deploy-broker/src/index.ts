/**
 * The whole broker: the HTTP API (the default export), the Durable Object class
 * that holds each topic queue, and the RPC entrypoint other Workers bind to.
 * Add your own routes or middleware by wrapping `createApp()` from "@edgeq/worker".
 */
export { default, EdgeqRpc, QueueDO, RateLimiterDO, TopicRegistryDO } from "@edgeq/worker";
