import { EdgeqError } from "@edgeq/core";
import { MAX_WAIT_MS } from "@edgeq/core/engine";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../http/app-env.js";
import type { Right } from "../http/auth.js";
import { errorAnswer } from "../http/error-answer.js";
import { wellFormedUrl } from "../http/request-checks.js";
import { type Outcome, unwrap } from "../shared/outcome.js";
import { type StreamRpc, streamObject } from "../shared/stream-ref.js";
import { checkStreamRight } from "./stream-auth.js";
import { MAX_APPEND_BYTES } from "./stream-content.js";
import {
  appendContent,
  decodeOffset,
  expiresAtHeader,
  expiryHeaders,
  flagHeader,
  formatOffset,
  intHeader,
  nextCursor,
  parseOffset,
  producerHeaders,
  stateHeaders,
  traceHeaders,
  traceResponseHeaders,
} from "./stream-headers.js";
import { sseBody, sseEncoding } from "./stream-sse.js";
import type { ForkRequest, ReadOutcome } from "./stream-types.js";

const PREFIX = "/v1/stream/";
const DEFAULT_LONG_POLL_MS = 20_000;
const SSE_CONNECTION_MS = 60_000;
const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** Protocol headers a browser may send and read across origins. */
const REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "if-none-match",
  "stream-ttl",
  "stream-expires-at",
  "stream-seq",
  "stream-closed",
  "stream-forked-from",
  "stream-fork-offset",
  "stream-fork-sub-offset",
  "producer-id",
  "producer-epoch",
  "producer-seq",
  "traceparent",
  "tracestate",
];
const RESPONSE_HEADERS = [
  "etag",
  "location",
  "stream-next-offset",
  "stream-up-to-date",
  "stream-cursor",
  "stream-closed",
  "stream-ttl",
  "stream-expires-at",
  "stream-sse-data-encoding",
  "producer-epoch",
  "producer-seq",
  "producer-expected-seq",
  "producer-received-seq",
  "traceparent",
  "tracestate",
];

/**
 * The Durable Streams protocol under `/v1/stream/{path}` (docs/protocol.md,
 * "Durable Streams"): one StreamDO per path. The Worker authenticates,
 * parses headers and bodies, and turns the object's answers into the
 * protocol's status codes and headers; the object holds every rule that
 * needs the stream's state.
 */
export function createStreamApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    await next();
    // Browser security headers (protocol §10.7) on every answer, errors included.
    c.res.headers.set("x-content-type-options", "nosniff");
    c.res.headers.set("cross-origin-resource-policy", "cross-origin");
    // What a client stored is never active content on the broker's origin: a
    // stream created as text/html renders, if at all, in an opaque origin with
    // no script, so it cannot reach the console's token (docs/protocol.md, Hostile input).
    c.res.headers.set("content-security-policy", "sandbox; default-src 'none'");
    const origin = corsOrigin(c);
    if (origin !== undefined) {
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.set("access-control-expose-headers", RESPONSE_HEADERS.join(", "));
      if (origin !== "*") c.res.headers.append("vary", "origin");
    }
  });

  app.options("*", (c) => {
    c.header("access-control-allow-methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
    c.header("access-control-allow-headers", REQUEST_HEADERS.join(", "));
    c.header("access-control-max-age", "86400");
    return c.body(null, 204);
  });

  // A path or query that is not well-formed UTF-8 is refused as everywhere else.
  app.use("*", wellFormedUrl());

  app.put("*", async (c) => {
    const path = await authorize(c, "produce");
    const ttlSeconds = intHeader(c, "stream-ttl");
    const expiresAt = expiresAtHeader(c);
    if (ttlSeconds !== undefined && expiresAt !== undefined)
      throw new EdgeqError(
        "invalid_request",
        "Stream-TTL and Stream-Expires-At exclude each other",
      );
    const fork = await forkHeaders(c, path);
    const contentType = c.req.header("content-type") ?? DEFAULT_CONTENT_TYPE;
    const content = appendContent(await bodyOf(c), contentType, true);
    const trace = traceHeaders(c);
    const { created, state } = await call(c, path, (s) =>
      s.create({
        contentType,
        explicitType: c.req.header("content-type") !== undefined,
        ...(fork ? { fork } : {}),
        ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
        closed: flagHeader(c, "stream-closed"),
        ...(content ? { content } : {}),
        ...(content && trace ? { trace } : {}),
      }),
    );
    const headers = { ...stateHeaders(state), ...(created ? { location: c.req.url } : {}) };
    return new Response(null, { status: created ? 201 : 200, headers });
  });

  app.post("*", async (c) => {
    const path = await authorize(c, "produce");
    const contentType = c.req.header("content-type");
    const close = flagHeader(c, "stream-closed");
    const body = await bodyOf(c);
    if (body.byteLength === 0 && !close)
      throw new EdgeqError("invalid_request", "an append needs a body");
    if (body.byteLength > 0 && contentType === undefined)
      throw new EdgeqError("invalid_request", "an append needs a Content-Type");
    const content = contentType === undefined ? undefined : appendContent(body, contentType, false);
    const producer = await producerHeaders(c);
    const streamSeq = c.req.header("stream-seq");
    const trace = traceHeaders(c);
    const { status, state, producerSeq } = await call(c, path, (s) =>
      s.append({
        ...(contentType === undefined ? {} : { contentType }),
        ...(content ? { content } : {}),
        ...(streamSeq === undefined ? {} : { streamSeq }),
        ...(producer ? { producer } : {}),
        ...(trace ? { trace } : {}),
        close,
      }),
    );
    const headers: Record<string, string> = { ...stateHeaders(state) };
    if (producer) {
      headers["producer-epoch"] = String(producer.epoch);
      headers["producer-seq"] = String(producerSeq ?? producer.seq);
    }
    // With producer headers, 200 says "appended" and 204 "a retry, already there" (or a close only).
    const code = producer && status === "stored" && content ? 200 : 204;
    return new Response(null, { status: code, headers });
  });

  app.delete("*", async (c) => {
    const path = await authorize(c, "admin");
    await call(c, path, (s) => s.remove());
    return c.body(null, 204);
  });

  app.get("*", async (c) => {
    const path = await authorize(c, "consume");
    if (c.req.method === "HEAD") {
      const state = await call(c, path, (s) => s.head());
      return new Response(null, {
        status: 200,
        headers: { ...stateHeaders(state), ...expiryHeaders(state), "cache-control": "no-store" },
      });
    }
    const offset = parseOffset(c);
    const live = c.req.query("live");
    if (live !== undefined && live !== "long-poll" && live !== "sse")
      throw new EdgeqError("invalid_request", "live must be long-poll or sse");
    if (live !== undefined && offset === undefined)
      throw new EdgeqError("invalid_request", `live=${live} needs an offset`);
    const from = offset ?? 0;
    if (live === "sse") return sse(c, path, from);
    const waitMs = live === "long-poll" ? longPollMs(c.env) : 0;
    const read = await call(c, path, (s) => s.read({ from, waitMs }));
    return readResponse(c, read, live === "long-poll", offset === "now");
  });

  app.onError((error, c) => {
    const answer = errorAnswer(error);
    const details = answer.details ?? {};
    if (details.closed === true) c.header("stream-closed", "true");
    if (typeof details.tail === "number")
      c.header("stream-next-offset", formatOffset(details.tail));
    if (typeof details.epoch === "number") c.header("producer-epoch", String(details.epoch));
    if (typeof details.expectedSeq === "number") {
      c.header("producer-expected-seq", String(details.expectedSeq));
      c.header("producer-received-seq", String(details.receivedSeq));
    }
    return c.json(answer.toJSON(), answer.status as 400);
  });
  return app;
}

/** The stream's path from the URL (as sent, still percent-encoded), after checking `right` on it. */
async function authorize(c: Context<AppEnv>, right: Right): Promise<string> {
  const path = streamPath(new URL(c.req.url).pathname);
  await checkStreamRight(c.env, c.req.header("authorization"), path, right);
  return path;
}

function streamPath(urlPath: string): string {
  const path = urlPath.startsWith(PREFIX) ? urlPath.slice(PREFIX.length) : "";
  if (
    path.length === 0 ||
    path.length > 1024 ||
    path.split("/").some((p) => p === "" || p === "..")
  )
    throw new EdgeqError("invalid_request", `a stream path is ${PREFIX} and 1 to 1024 characters`);
  return path;
}

/**
 * `Stream-Forked-From` (a stream path), `Stream-Fork-Offset` (default: the
 * source's tail) and `Stream-Fork-Sub-Offset` (a head of the append at that
 * offset); reading the source needs `consume` on it.
 */
async function forkHeaders(c: Context<AppEnv>, path: string): Promise<ForkRequest | undefined> {
  const from = c.req.header("stream-forked-from");
  const offset = c.req.header("stream-fork-offset");
  const subOffset = intHeader(c, "stream-fork-sub-offset");
  if (from === undefined) {
    if (offset !== undefined || subOffset !== undefined)
      throw new EdgeqError("invalid_request", "fork offsets need Stream-Forked-From");
    return undefined;
  }
  const source = streamPath(new URL(from, c.req.url).pathname);
  if (source === path) throw new EdgeqError("invalid_request", "a stream cannot fork itself");
  if (subOffset !== undefined && subOffset > 0 && offset === undefined)
    throw new EdgeqError("invalid_request", "Stream-Fork-Sub-Offset needs Stream-Fork-Offset");
  await checkStreamRight(c.env, c.req.header("authorization"), source, "consume");
  return {
    path: source,
    ...(offset === undefined ? {} : { offset: decodeOffset(offset) }),
    ...(subOffset ? { subOffset } : {}),
  };
}

/** One RPC call on the stream's object; its error, if any, thrown again as the EdgeqError it was. */
async function call<T>(
  c: Context<AppEnv>,
  path: string,
  rpc: (stream: StreamRpc) => Promise<Outcome<T>>,
): Promise<T> {
  return unwrap(await rpc(streamObject(c.env, path)));
}

async function bodyOf(c: Context<AppEnv>): Promise<Uint8Array> {
  const length = Number(c.req.header("content-length") ?? 0);
  if (length > MAX_APPEND_BYTES) {
    // Read what is sent before answering: a client still writing its body
    // would otherwise see the connection drop instead of the 413.
    for await (const _ of c.req.raw.body ?? []) void _;
    throw tooLarge();
  }
  const body = new Uint8Array(await c.req.arrayBuffer());
  if (body.byteLength > MAX_APPEND_BYTES) throw tooLarge();
  return body;
}

function tooLarge(): EdgeqError {
  return new EdgeqError("too_large", `an append holds at most ${MAX_APPEND_BYTES} bytes`);
}

function longPollMs(env: Env): number {
  const configured = Number(env.EDGEQ_STREAM_LONG_POLL_MS ?? DEFAULT_LONG_POLL_MS);
  return Number.isFinite(configured) && configured > 0
    ? Math.min(configured, MAX_WAIT_MS)
    : DEFAULT_LONG_POLL_MS;
}

function readResponse(
  c: Context<AppEnv>,
  read: ReadOutcome,
  live: boolean,
  fromNow: boolean,
): Response {
  const { state } = read;
  const upToDate = read.next === state.tail;
  const headers: Record<string, string> = {
    ...stateHeaders(state, read.next),
    ...(upToDate ? { "stream-up-to-date": "true" } : {}),
    ...traceResponseHeaders(read.trace),
  };
  if (live) headers["stream-cursor"] = nextCursor(c.req.query("cursor"), Date.now());
  if (live && read.next === read.from)
    return new Response(null, {
      status: 204,
      headers: { ...headers, "cache-control": "no-store" },
    });
  if (fromNow)
    return new Response(read.body, { headers: { ...headers, "cache-control": "no-store" } });
  const etag = `"${state.incarnation}:${formatOffset(read.from)}:${formatOffset(read.next)}${
    upToDate && state.closed ? ":c" : ""
  }"`;
  headers.etag = etag;
  headers["cache-control"] = cacheControl(c);
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(read.body, { headers });
}

/** Reads may be cached by the client and, for anonymous streams only, by shared caches. */
function cacheControl(c: Context<AppEnv>): string {
  const scope = c.req.header("authorization") === undefined ? "public" : "private";
  return `${scope}, max-age=60, stale-while-revalidate=300`;
}

async function sse(c: Context<AppEnv>, path: string, from: number | "now"): Promise<Response> {
  const waitMs = longPollMs(c.env);
  const first = await call(c, path, (s) => s.read({ from, waitMs: 0 }));
  const body = sseBody(
    (at, wait) => call(c, path, (s) => s.read({ from: at, waitMs: wait })),
    first,
    {
      from,
      waitMs,
      maxMs: SSE_CONNECTION_MS,
      cursor: c.req.query("cursor"),
      signal: c.req.raw.signal,
    },
  );
  const headers: Record<string, string> = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
  };
  if (sseEncoding(first.state.contentType) === "base64")
    headers["stream-sse-data-encoding"] = "base64";
  return new Response(body, { headers });
}

function corsOrigin(c: Context<AppEnv>): string | undefined {
  const origins = (c.env.EDGEQ_CORS_ORIGINS ?? "*").split(",").map((o) => o.trim());
  if (origins.includes("*")) return "*";
  const origin = c.req.header("origin");
  return origin !== undefined && origins.includes(origin) ? origin : undefined;
}
