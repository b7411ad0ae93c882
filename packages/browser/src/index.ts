/**
 * @edgeq/browser — the IndexedDB store and the offline-first Outbox.
 * Not built yet (see the browser issue); the package exists so the workspace
 * layout and the build graph are in place.
 */
export type { Store, Transport } from "@edgeq/core";
