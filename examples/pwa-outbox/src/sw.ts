/// <reference lib="webworker" />
import { createOutbox, flushOnWake, handleBackgroundSync } from "@edgeq/browser";
import { BROKER_URL, outboxOptions } from "./config.js";
import { SESSION_URL } from "./session.js";

declare const self: ServiceWorkerGlobalScope;
const CACHE = "field-orders-shell-v1";
const openOutbox = () => createOutbox({ ...outboxOptions, autoSync: false, persist: false });

// Every engine, and the only way without a page in Firefox and Safari: flush when
// the worker wakes up and whenever the app is opened (before its page is up).
// First, before the fetch listener below: respondWith() stops the event's propagation.
flushOnWake(self, openOutbox);

// The app shell: whatever the page loaded from its own origin is cached as it
// goes, so the next visit (or a reload while offline) comes from the cache.
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(["/", "/index.html"])));
  void self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

/** Only the app's own files; calls to the broker or the sign-in server must never be answered from a cache. */
function isShellRequest(request: Request): boolean {
  const url = new URL(request.url);
  return (
    request.method === "GET" &&
    url.origin === self.location.origin &&
    !url.href.startsWith(BROKER_URL) &&
    !url.href.startsWith(new URL(SESSION_URL, self.location.href).href)
  );
}

self.addEventListener("fetch", (event) => {
  if (!isShellRequest(event.request)) return;
  event.respondWith(
    fetch(event.request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(event.request, response.clone());
        return response;
      })
      .catch(async () => {
        // ignoreVary: Vite's dev server answers `Vary: Origin`, and a module script's
        // request carries an Origin header that a copy fetched by the worker itself lacks.
        const cached =
          (await caches.match(event.request, { ignoreVary: true })) ??
          (event.request.mode === "navigate" ? await caches.match("/") : undefined);
        return cached ?? Response.error();
      }),
  );
});

// The files the page loaded before this worker controlled it (the first visit,
// or a reload while it was still installing) never passed through the fetch
// handler above: the page names them once the worker is active, and they are
// cached here, so the next reload works offline even then. Under `npm start`
// those are Vite's /@vite/client and /src/main.ts (the page's first scripts).
self.addEventListener("message", (event) => {
  const data = event.data as { type?: string; urls?: unknown } | null;
  if (data?.type !== "cache-shell" || !Array.isArray(data.urls)) return;
  const port = event.ports[0];
  const requests = data.urls
    .filter((u): u is string => typeof u === "string")
    .map((u) => new Request(u))
    .filter(isShellRequest);
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      // Each on its own: one file gone from the server must not keep the others out.
      const added = await Promise.allSettled(requests.map((r) => cache.add(r)));
      port?.postMessage({ cached: added.filter((a) => a.status === "fulfilled").length });
    }),
  );
});

// Background Sync (Chromium): the browser wakes the worker when the network is back.
handleBackgroundSync(self, openOutbox);
