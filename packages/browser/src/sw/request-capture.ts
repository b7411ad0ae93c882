import type { QueuedMessage } from "@edgeq/core/durable";
import { createOutbox, type Outbox } from "../outbox/outbox.js";
import type { OutboxOptions } from "../outbox/types.js";
import { type CaptureRequestOptions, captureRequest } from "./capture-request.js";

/** Where captured requests are queued, and what is kept of them. */
export interface RequestCaptureOptions extends CaptureRequestOptions {
  /**
   * The outbox they are queued in: its options (opened once, in this
   * worker, on the first capture), or a function that opens it. Its topic
   * is what the replay consumer (`startRequestReplay`) reads.
   */
  outbox: OutboxOptions | (() => Promise<Outbox>);
  /**
   * The message key of a request: requests of one key are replayed one at
   * a time, in the order they were captured. Default: the URL's host (one
   * order per API, as Workbox's one queue per plugin).
   */
  key?: (request: Request) => string | undefined;
  /**
   * What the page gets when a failed request was queued: `error` (the
   * network error, as Workbox's BackgroundSyncPlugin) or `accepted` (a 202
   * with `{"queued": id, "idempotencyKey": …}`). Default `error`.
   */
  respond?: "error" | "accepted";
}

/** A queued request: the outbox message, and the key the origin will see. */
export interface QueuedRequest extends QueuedMessage {
  idempotencyKey: string;
}

/** Captures requests into one outbox (see `createRequestCapture`). */
export interface RequestCapture {
  /** Queues `request` (consumes its body: pass a clone when it goes on); resolves once durable. */
  capture(request: Request): Promise<QueuedRequest>;
  /** The outbox, opened on first use. */
  outbox(): Promise<Outbox>;
  /** The 202 answer for a queued request (used with `respond: "accepted"`). */
  accepted(queued: QueuedRequest): Response;
}

/** Captures requests as outbox messages (the service worker's side of a replayed API). */
export function createRequestCapture(options: RequestCaptureOptions): RequestCapture {
  let opened: Promise<Outbox> | undefined;
  const outbox = () => {
    const open = options.outbox;
    opened ??= typeof open === "function" ? open() : createOutbox(open);
    // A failed open is tried again by the next capture.
    opened.catch(() => {
      opened = undefined;
    });
    return opened;
  };
  const keyOf = options.key ?? ((request: Request) => new URL(request.url).host);
  return {
    outbox,
    async capture(request) {
      const key = keyOf(request);
      const captured = await captureRequest(request, options);
      const queued = await (await outbox()).send(captured, key === undefined ? {} : { key });
      return { ...queued, idempotencyKey: captured.idempotencyKey };
    },
    accepted: (queued) =>
      new Response(JSON.stringify({ queued: queued.id, idempotencyKey: queued.idempotencyKey }), {
        status: 202,
        headers: { "content-type": "application/json", "edgeq-queued": queued.id },
      }),
  };
}
