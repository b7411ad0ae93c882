// The same without Workbox: one fetch listener, and the page gets a 202 for a
// request queued while offline instead of the network error.
import { captureFailedRequests } from "@edgeq/browser/sw-capture";

declare const self: ServiceWorkerGlobalScope;

const config = new URL(self.location.href).searchParams;
captureFailedRequests(self, {
  match: (request) => new URL(request.url).pathname.startsWith("/api/"),
  respond: "accepted",
  outbox: {
    url: config.get("broker") ?? "",
    topic: "orders",
    token: config.get("token") ?? "",
    name: "api-requests",
    syncIntervalMs: 1_000,
    backoff: { baseMs: 100, maxMs: 1_000 },
  },
});

self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
