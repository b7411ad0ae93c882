/**
 * @edgeq/worker — the Durable Object broker (SQLite store) and its Hono app.
 * Not built yet (see the worker issue); the package exists so the workspace
 * layout and the build graph are in place.
 */
export type { Store, Transport } from "@edgeq/core";
