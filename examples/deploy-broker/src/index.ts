/**
 * The whole broker: the HTTP API (the default export), the Durable Object classes that hold
 * each topic queue, its replicas, the rate limits, the topic registry and each Durable Stream,
 * and the RPC entrypoint other Workers bind to. "@edgeq/worker/deploy" is the one list of
 * them, so a new class in a later version is exported here without an edit (bind it and add
 * its migration in wrangler.jsonc: `wrangler deploy --dry-run` names any that is missing).
 * To add routes or middleware, export your own default that wraps `createApp()` from "@edgeq/worker".
 */
export * from "@edgeq/worker/deploy";
export { default } from "@edgeq/worker/deploy";
