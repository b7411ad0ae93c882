/// <reference lib="webworker" />
import { createOutbox, handleBackgroundSync } from "@edgeq/browser";
import { BROKER_URL, outboxOptions } from "./config.js";
import { SESSION_URL } from "./session.js";

declare const self: ServiceWorkerGlobalScope;
const CACHE = "field-orders-shell-v1";

// The app shell: whatever the page loaded from its own origin is cached as it
// goes, so the next visit (or a reload while offline) comes from the cache.
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(["/", "/index.html"])));
  void self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  // Only the app's own files; calls to the broker or the sign-in server must never be answered from a cache.
  if (
    event.request.method !== "GET" ||
    url.origin !== self.location.origin ||
    url.href.startsWith(BROKER_URL) ||
    url.href.startsWith(new URL(SESSION_URL, self.location.href).href)
  )
    return;
  event.respondWith(
    fetch(event.request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(event.request, response.clone());
        return response;
      })
      .catch(async () => {
        const cached =
          (await caches.match(event.request)) ??
          (event.request.mode === "navigate" ? await caches.match("/") : undefined);
        return cached ?? Response.error();
      }),
  );
});

// Background Sync (Chromium): the browser wakes the worker when the network is back.
handleBackgroundSync(self, () =>
  createOutbox({ ...outboxOptions, autoSync: false, persist: false }),
);
