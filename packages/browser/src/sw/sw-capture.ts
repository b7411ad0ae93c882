import {
  createRequestCapture,
  type QueuedRequest,
  type RequestCapture,
  type RequestCaptureOptions,
} from "./request-capture.js";

/**
 * The plugin callbacks Workbox calls (`workbox-core`'s `WorkboxPlugin`),
 * declared here so the plugin needs no Workbox package.
 */
export interface WorkboxPluginLike {
  fetchDidFail(param: { request: Request; state?: PluginState }): Promise<void>;
  handlerDidError?(param: { request: Request; state?: PluginState }): Promise<Response | undefined>;
}

/** Workbox's per-request plugin state: one object for every callback of one request. */
type PluginState = Record<string, unknown>;

/**
 * A Workbox plugin, the drop-in for `new BackgroundSyncPlugin(name)`: a
 * request of the route that fails on the network is queued in the outbox
 * (and synced to the broker, then replayed to the origin by
 * `startRequestReplay`). With `respond: "accepted"` the page gets a 202
 * instead of the error.
 *
 * @example
 * ```ts
 * import { registerRoute } from "workbox-routing";
 * import { NetworkOnly } from "workbox-strategies";
 * import { edgeqBackgroundSync } from "@edgeq/browser/sw-capture";
 *
 * registerRoute(/\/api\/.*\/*.json/, new NetworkOnly({
 *   plugins: [edgeqBackgroundSync({ outbox: { url: BROKER, topic: "api-requests", token } })],
 * }), "POST");
 * ```
 */
export function edgeqBackgroundSync(
  options: RequestCaptureOptions,
): WorkboxPluginLike & { capture: RequestCapture } {
  const capture = createRequestCapture(options);
  return {
    capture,
    // Workbox hands this a copy of the request: its body is ours to read.
    async fetchDidFail({ request, state }) {
      const queued = await capture.capture(request);
      if (state) state.edgeqQueued = queued;
    },
    ...(options.respond === "accepted"
      ? {
          // Called after fetchDidFail for the same request, with the same state.
          async handlerDidError({ state }: { state?: PluginState }) {
            const queued = state?.edgeqQueued as QueuedRequest | undefined;
            return queued ? capture.accepted(queued) : undefined;
          },
        }
      : {}),
  };
}

/** The fetch events `captureFailedRequests` handles. */
export interface CaptureFailedRequestsOptions extends RequestCaptureOptions {
  /** Which requests: a test on the request. Non-GET requests are the only ones ever captured. */
  match: (request: Request) => boolean;
  /** `failed` (default): send, and queue only when the network fails; `always`: queue without trying. */
  when?: "failed" | "always";
}

interface FetchEventLike extends Event {
  request: Request;
  respondWith(response: Promise<Response> | Response): void;
}

/**
 * The same without Workbox: a `fetch` listener on the service worker's
 * global scope for the matching non-GET requests. Returns a function that
 * removes it.
 */
export function captureFailedRequests(
  scope: EventTarget,
  options: CaptureFailedRequestsOptions,
): () => void {
  const capture = createRequestCapture(options);
  const listener = (event: Event) => {
    const { request } = event as FetchEventLike;
    if (request.method === "GET" || request.method === "HEAD" || !options.match(request)) return;
    (event as FetchEventLike).respondWith(
      (async () => {
        if (options.when === "always") return capture.accepted(await capture.capture(request));
        const copy = request.clone();
        try {
          return await fetch(request);
        } catch (error) {
          const queued = await capture.capture(copy);
          if (options.respond === "accepted") return capture.accepted(queued);
          throw error;
        }
      })(),
    );
  };
  scope.addEventListener("fetch", listener);
  return () => scope.removeEventListener("fetch", listener);
}
