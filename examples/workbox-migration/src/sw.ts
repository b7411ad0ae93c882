// A Workbox service worker, as Workbox's Background Sync guide writes one, with
// one change: the plugin. Before:
//
//   import { BackgroundSyncPlugin } from "workbox-background-sync";
//   const plugin = new BackgroundSyncPlugin("orders", { maxRetentionTime: 24 * 60 });
//
// After (the requests go to the broker, and a consumer replays them to the API):
import { edgeqBackgroundSync } from "@edgeq/browser/sw-capture";
import { registerRoute } from "workbox-routing";
import { NetworkOnly } from "workbox-strategies";

declare const self: ServiceWorkerGlobalScope;

const config = new URL(self.location.href).searchParams;
const plugin = edgeqBackgroundSync({
  outbox: {
    url: config.get("broker") ?? "",
    topic: "orders",
    token: config.get("token") ?? "",
    name: "api-requests",
    maxRetentionMs: 24 * 60 * 60 * 1000,
    syncIntervalMs: 1_000,
    backoff: { baseMs: 100, maxMs: 1_000 },
  },
});

registerRoute(
  ({ url }) => url.pathname.startsWith("/api/"),
  new NetworkOnly({ plugins: [plugin] }),
  "POST",
);

self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
// Requests queued by an earlier life of this worker go out as soon as it runs again.
self.addEventListener("activate", () => void plugin.capture.outbox());
