import { EdgeqError, type EdgeqErrorCode, errorStatus } from "../errors.js";
import type { JsonValue } from "../model.js";
import type { CallOptions } from "./transport.js";

/** The slice of `fetch` edgeq uses, so the core needs no DOM or Node types. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal?: AbortSignal;
  },
) => Promise<FetchResponseLike>;

/** The part of a fetch Response the transport reads. */
export interface FetchResponseLike {
  readonly status: number;
  /** Response headers (`retry-after` is read). */
  readonly headers: {
    /** The header's value, or null. */
    get(name: string): string | null;
  };
  /** The body as text. */
  text(): Promise<string>;
}

/** What a token function is asked for (see `TokenSource`). */
export interface TokenRequest {
  /**
   * The broker refused the token this function gave last (401: expired,
   * revoked): return a fresh one, not a cached copy.
   */
  refresh: boolean;
}

/**
 * A bearer token, or a function asked before every request (so a refreshed
 * token is picked up). When the broker answers 401, a function is asked
 * again with `refresh: true` and the request is sent once more with the new
 * token: an expired short-lived token costs one round trip, not an error.
 * If the fresh token is refused too, or the function throws, the call fails
 * with that error (a durable producer pauses on `unauthorized`).
 */
export type TokenSource = string | ((request: TokenRequest) => string | Promise<string>);

/** Where the broker is and how to authenticate to it. */
export interface HttpTransportOptions {
  /** The worker's origin, e.g. `https://queue.example.com` (a path prefix is kept). */
  url: string;
  token?: TokenSource;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
}

const CODES = new Set(Object.keys(errorStatus));

/** One request to the broker: the parsed JSON of a 2xx answer, or the protocol's typed error. */
export type HttpCall = <T>(
  method: "GET" | "POST" | "PUT",
  path: string,
  options: CallOptions | undefined,
  body?: unknown,
) => Promise<T>;

/**
 * The HTTP plumbing every HTTP client of the broker shares (`HttpTransport`,
 * `createHttpSender`): the base URL, the bearer token asked for before every
 * request, and docs/protocol.md's errors. Every failure is an `EdgeqError`: the
 * broker's own code and details when it answered, `too_large` and friends from
 * the status when a proxy answered instead, `unavailable` when nothing
 * answered. A 429's or 503's `Retry-After` lands in `details.retryAfterMs`.
 */
export function httpCall(transport: HttpTransportOptions): HttpCall {
  const base = transport.url.replace(/\/+$/, "");
  const platformFetch = transport.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (!platformFetch)
    throw new EdgeqError("invalid_request", "no fetch available: pass options.fetch");
  // Bound so a platform fetch is not called with anything else as `this`.
  const fetch = platformFetch.bind(globalThis);
  return async <T>(
    method: "GET" | "POST" | "PUT",
    path: string,
    options: CallOptions | undefined,
    body?: unknown,
  ): Promise<T> => {
    const attempt = async (token: string | undefined): Promise<FetchResponseLike> => {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      try {
        return await fetch(`${base}${path}`, {
          method,
          headers,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          ...(options?.signal ? { signal: options.signal } : {}),
        });
      } catch (cause) {
        if (options?.signal?.aborted) throw options.signal.reason;
        // No answer at all: the request may or may not have reached the broker.
        throw new EdgeqError("unavailable", "the broker could not be reached", { cause });
      }
    };
    const source = transport.token;
    const token = typeof source === "function" ? await source({ refresh: false }) : source;
    let response = await attempt(token);
    // Read at once: a body left unread would be errored by a later abort of the signal.
    let text = await response.text().catch(() => "");
    if (response.status === 401 && typeof source === "function") {
      // The broker checks credentials before any work, so a refused request
      // changed nothing and may go again, whatever it was.
      const fresh = await source({ refresh: true });
      if (fresh !== token) {
        response = await attempt(fresh);
        text = await response.text().catch(() => "");
      }
    }
    if (response.status >= 200 && response.status < 300) return parseJson(text) as T;
    throw responseError(response, text);
  };
}

export function topicPath(topic: string): string {
  return `/v1/topics/${encodeURIComponent(topic)}`;
}

export function groupPath(topic: string, group: string): string {
  return `${topicPath(topic)}/groups/${encodeURIComponent(group)}`;
}

/** `?a=1&b=x` from the defined entries, or "" when there are none. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EdgeqError("internal", "the broker answered with malformed JSON", { cause });
  }
}

/** Turns a non-2xx answer into the protocol's typed error. */
function responseError(response: FetchResponseLike, text: string): EdgeqError {
  let code = codeForStatus(response.status);
  let message = `the broker answered ${response.status}`;
  const details: Record<string, unknown> = { status: response.status };
  try {
    const body = JSON.parse(text) as { error?: Record<string, JsonValue> };
    const { code: sent, message: said, ...rest } = body.error ?? {};
    if (typeof sent === "string" && CODES.has(sent)) code = sent as EdgeqErrorCode;
    if (typeof said === "string") message = said;
    Object.assign(details, rest);
  } catch {
    // Not edgeq's JSON (a proxy's HTML page, an empty 502): the status decides.
  }
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  if (retryAfter !== undefined) details.retryAfterMs = retryAfter;
  return new EdgeqError(code, message, { details });
}

function codeForStatus(status: number): EdgeqErrorCode {
  const known = Object.entries(errorStatus).find(([, s]) => s === status);
  if (known) return known[0] as EdgeqErrorCode;
  if (status >= 500) return "unavailable";
  return "invalid_request";
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
