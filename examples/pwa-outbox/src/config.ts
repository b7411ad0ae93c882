import type { OutboxOptions } from "@edgeq/browser";

import { session } from "./session.js";

/**
 * Where the app's outbox sends, shared by the page and its service worker.
 * `npm start` runs the broker on 127.0.0.1:8787; a build for production sets
 * VITE_EDGEQ_URL. The token is the signed-in person's (see session.ts).
 */
export const BROKER_URL: string = import.meta.env.VITE_EDGEQ_URL ?? "http://127.0.0.1:8787";
export const TOPIC = "orders";
export const DATABASE = "field-orders";

// A type alias rather than an interface: message bodies are JSON values, and
// only aliases are assignable to JSON's index signature.
export type Order = {
  id: string;
  customer: string;
  item: string;
  quantity: number;
  createdAt: number;
  /** The outbox message that carries it (the id `send()` returned), to show where it is. */
  messageId?: string;
  /** The person gave up on a refused order. */
  discarded?: boolean;
};

/** The outbox's options, with the app's own `orders` store beside it in one database. */
export const outboxOptions: OutboxOptions = {
  url: BROKER_URL,
  topic: TOPIC,
  token: session.tokenFor,
  database: {
    name: DATABASE,
    version: 1,
    upgrade(db) {
      if (!db.objectStoreNames.contains("orders"))
        db.createObjectStore("orders", { keyPath: "id" });
    },
  },
  syncIntervalMs: 10_000,
  persist: true,
};
