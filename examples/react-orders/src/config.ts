import type { OutboxOptions } from "@edgeq/browser";

/**
 * Where the outbox sends. `npm start` runs the broker on 127.0.0.1:8787 with
 * the dev token; a real app asks its sign-in server for a short-lived token
 * (`token: () => …`, as examples/pwa-outbox does) and never builds one in.
 */
export const outboxOptions: OutboxOptions = {
  url: import.meta.env.VITE_EDGEQ_URL ?? "http://127.0.0.1:8787",
  topic: "orders",
  token: import.meta.env.VITE_EDGEQ_TOKEN ?? "dev-token",
  name: "react-orders",
  syncIntervalMs: 10_000,
  persist: true,
};

// A type alias: message bodies are JSON values, and only aliases fit JSON's index signature.
export type Order = {
  customer: string;
  item: string;
  quantity: number;
  createdAt: number;
};

/** What the app sends for each order. */
export type OrderMessage = { type: "order.created"; order: Order };
