import type { Outbox } from "../outbox/outbox.js";

/** The Background Sync tag the page registers and the service worker answers. */
export const BACKGROUND_SYNC_TAG = "edgeq-outbox";

interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

/**
 * Page side: asks the service worker to wake when connectivity returns
 * (Background Sync). Resolves false where the browser lacks it (Firefox,
 * Safari); the outbox's own triggers (online, visible, interval) cover those.
 */
export async function registerBackgroundSync(tag = BACKGROUND_SYNC_TAG): Promise<boolean> {
  const container = globalThis.navigator?.serviceWorker;
  if (!container) return false;
  const registration = (await container.ready) as ServiceWorkerRegistration & {
    sync?: SyncManagerLike;
  };
  const registered = registration.sync?.register(tag).then(() => true);
  // Refused (permission, a private window): the outbox's own triggers still work.
  return registered?.catch(() => false) ?? false;
}

interface SyncEventLike extends Event {
  tag: string;
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Service-worker side: on the `sync` event, opens the outbox and flushes it.
 * A rejected flush tells the browser to retry the event later, with its own
 * backoff. Returns a function that removes the listener.
 */
export function handleBackgroundSync(
  scope: EventTarget,
  openOutbox: () => Promise<Outbox>,
  tag = BACKGROUND_SYNC_TAG,
): () => void {
  const listener = (event: Event) => {
    const sync = event as SyncEventLike;
    if (sync.tag !== tag) return;
    sync.waitUntil(
      (async () => {
        const outbox = await openOutbox();
        try {
          await outbox.flush();
        } finally {
          await outbox.close();
        }
      })(),
    );
  };
  scope.addEventListener("sync", listener);
  return () => scope.removeEventListener("sync", listener);
}
