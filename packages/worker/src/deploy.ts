/**
 * @edgeq/worker/deploy: exactly what a broker deployment's entry module must export, and
 * nothing else: the Worker (default), the `EdgeqRpc` entrypoint other Workers bind to, and
 * every Durable Object class the broker binds. This is the one list of them: a deployment
 * re-exports it whole,
 *
 * ```ts
 * export * from "@edgeq/worker/deploy";
 * export { default } from "@edgeq/worker/deploy";
 * ```
 *
 * so a class added here reaches every deployment without an edit (its wrangler config still
 * needs the binding and the `new_sqlite_classes` migration, which `wrangler deploy` checks).
 */
export { QueueDO } from "./broker/queue-do.js";
export { RateLimiterDO } from "./broker/rate-limiter.js";
export { ReplicaDO } from "./broker/replica-do.js";
export { TopicRegistryDO } from "./broker/topic-registry.js";
export { default, EdgeqRpc } from "./index.js";
export { StreamDO } from "./streams/stream-do.js";
