import { EdgeqError } from "../../errors.js";
import type { FetchResponseLike } from "../http-call.js";
import { PushConsumer } from "../push-consumer.js";
import type { MessageHandler, PushConsumerOptions } from "../push-consumer-options.js";
import type { Transport } from "../transport.js";
import { asCapturedRequest, type CapturedRequest, capturedBody } from "./captured-request.js";

/** Where and how captured requests are sent again. */
export interface ReplayOptions {
  /**
   * The origin API the requests go to, e.g. `https://api.example.com`: each
   * keeps its path and query. Default: the URL as captured.
   */
  origin?: string;
  /** Headers added to each replay (the server's own credentials, say); a function is asked each time. */
  headers?:
    | Record<string, string>
    | ((captured: CapturedRequest) => Record<string, string> | Promise<Record<string, string>>);
  /** Default: the platform's `fetch`. */
  fetch?: ReplayFetch;
}

/** The slice of `fetch` a replay uses (a body may be bytes, unlike the broker's JSON calls). */
export type ReplayFetch = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array;
    signal?: AbortSignal;
  },
) => Promise<FetchResponseLike>;

/** Sends a captured request again, with its `Idempotency-Key`; resolves with the origin's answer. */
export async function replayRequest(
  captured: CapturedRequest,
  options: ReplayOptions = {},
  signal?: AbortSignal,
): Promise<FetchResponseLike> {
  const target = options.origin ? retarget(captured.url, options.origin) : captured.url;
  const extra =
    typeof options.headers === "function" ? await options.headers(captured) : options.headers;
  const doFetch = options.fetch ?? (globalThis as { fetch?: ReplayFetch }).fetch;
  if (!doFetch) throw new EdgeqError("internal", "no fetch here: pass options.fetch");
  const body = capturedBody(captured);
  return doFetch(target, {
    method: captured.method,
    headers: { ...captured.headers, ...extra, "idempotency-key": captured.idempotencyKey },
    ...(body === undefined ? {} : { body }),
    ...(signal ? { signal } : {}),
  });
}

/** The URL's path and query on another origin (the core has no `URL`: it runs without DOM typings). */
function retarget(url: string, origin: string): string {
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url)?.[1];
  if (path === undefined) throw new EdgeqError("invalid_request", `not an absolute URL: ${url}`);
  return origin.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

/**
 * A handler for a consumer of captured requests: replays each to the
 * origin. A 2xx answer is done; any other answer or a network failure
 * throws, so the consumer retries it and, after the topic's
 * `maxReconsumeTimes`, moves it to the dead-letter queue. The origin sees
 * the same `Idempotency-Key` on every attempt.
 */
export function createReplayHandler(options: ReplayOptions = {}): MessageHandler {
  return async (message, { signal }) => {
    const captured = asCapturedRequest(message.body);
    const response = await replayRequest(captured, options, signal);
    // The body is not needed; reading it frees the connection.
    await response.text().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    throw new EdgeqError(
      response.status === 429 || response.status >= 500 ? "unavailable" : "invalid_request",
      `the origin answered ${response.status} to ${captured.method} ${captured.url}`,
      { details: { status: response.status } },
    );
  };
}

/** What `startRequestReplay` consumes, and how it replays. */
export interface RequestReplayOptions
  extends ReplayOptions,
    Omit<PushConsumerOptions, "handler" | "orderly"> {}

/**
 * Replays the captured requests of `topic` to the origin from a Worker or
 * Node: an orderly `PushConsumer` (one request of a key at a time, in the
 * order they were captured) with `createReplayHandler`. Close it to stop.
 *
 * @example
 * ```ts
 * const replay = await startRequestReplay(new HttpTransport({ url: broker, token }), {
 *   topic: "api-requests", group: "replay", origin: "https://api.example.com",
 *   headers: { authorization: `Bearer ${serviceToken}` },
 * });
 * ```
 */
export async function startRequestReplay(
  transport: Transport,
  options: RequestReplayOptions,
): Promise<PushConsumer> {
  const { origin, headers, fetch, ...consumer } = options;
  const replay: ReplayOptions = {
    ...(origin === undefined ? {} : { origin }),
    ...(headers === undefined ? {} : { headers }),
    ...(fetch === undefined ? {} : { fetch }),
  };
  const pushConsumer = new PushConsumer(transport, {
    ...consumer,
    handler: createReplayHandler(replay),
    orderly: true,
  });
  await pushConsumer.start();
  return pushConsumer;
}
