import type { Outbox } from "../outbox/outbox.js";

interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

interface FetchEventLike extends ExtendableEventLike {
  request: { mode: string };
}

/**
 * Service-worker side, for every browser and above all those without
 * Background Sync (Firefox, Safari): flushes the outbox when the worker wakes
 * up — its first `fetch`, `message` or `push` event after a start — and at
 * each navigation it answers, i.e. whenever the app is opened, before the
 * page's own outbox is up. Never at `install` or `activate`: a flush there
 * would hold the new worker back (and every fetch behind it) for as long as
 * the network takes; a fetch's `waitUntil` delays nothing. Workbox's fallback
 * replays only at start (GoogleChrome/workbox#2386); a worker that stays
 * alive across visits would then never look again.
 *
 * One flush at a time: events meanwhile join it. A failed flush (offline) is
 * silent here; the messages stay in IndexedDB for the next wake-up, the
 * page's own triggers, or Background Sync. The Web Lock keeps a page and the
 * worker from sending at once. Returns a function that removes the listeners.
 *
 * Call it before the worker's own `fetch` listener: `respondWith()` stops the
 * event's immediate propagation (the Service Worker spec; seen in Chromium),
 * so a listener added after one that answers never hears a navigation.
 */
export function flushOnWake(scope: EventTarget, openOutbox: () => Promise<Outbox>): () => void {
  let running: Promise<void> | undefined;
  let woken = false;
  const flush = (): Promise<void> => {
    running ??= (async () => {
      const outbox = await openOutbox();
      try {
        await outbox.flush();
      } finally {
        await outbox.close();
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const listener = (event: Event) => {
    const isNavigation =
      event.type === "fetch" && (event as FetchEventLike).request.mode === "navigate";
    if (woken && !isNavigation) return;
    woken = true;
    // waitUntil keeps the worker alive for the flush without delaying the event's own answer.
    (event as ExtendableEventLike).waitUntil(flush());
  };
  const types = ["fetch", "message", "push"];
  for (const type of types) scope.addEventListener(type, listener);
  return () => {
    for (const type of types) scope.removeEventListener(type, listener);
  };
}
