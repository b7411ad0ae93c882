import { EdgeqError } from "@edgeq/core";
import type { Context } from "hono";
import { MAX_JSON_DEPTH, scanJsonText } from "../http/wire.js";
import { isJsonType } from "./stream-record.js";
import type { AppendContent, ProducerHeaders, StreamState, TraceContext } from "./stream-types.js";

/**
 * Durable Streams offsets are `<append>_<position>`, each 16 zero-padded
 * decimal digits: `<append>` is the edgeq offset of the next append (one
 * append is one edgeq message), `<position>` a place inside that append,
 * always 0 in the offsets this server issues. Opaque to clients, ordered by
 * string comparison like the numbers, never `-1` or `now`; the start of
 * every stream is `0000000000000000_0000000000000000`.
 */
export function formatOffset(offset: number): string {
  return `${String(offset).padStart(16, "0")}_0000000000000000`;
}

/** An offset this server could have issued, as its edgeq offset. */
export function decodeOffset(value: string): number {
  const match = /^(\d{16})_0{16}$/.exec(value);
  if (!match) invalid("offset is not one this server issued");
  return Number(match[1]);
}

/** `?offset=`: the stream's start (absent or `-1`), its tail (`now`), or an offset it issued. */
export function parseOffset(c: Context): number | "now" | undefined {
  const values = c.req.queries("offset");
  if (values === undefined) return undefined;
  if (values.length > 1) invalid("offset appears more than once");
  const value = values[0]!;
  if (value === "-1") return 0;
  if (value === "now") return "now";
  return decodeOffset(value);
}

function invalid(message: string): never {
  throw new EdgeqError("invalid_request", message);
}

const DECIMAL = /^(0|[1-9]\d*)$/;

/** A header that must be a non-negative decimal integer (no sign, no leading zeros) up to 2^53-1. */
export function intHeader(c: Context, name: string): number | undefined {
  const raw = c.req.header(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!DECIMAL.test(raw) || !Number.isSafeInteger(value))
    invalid(`${name} must be a non-negative integer`);
  return value;
}

/** `Stream-Expires-At`: an RFC 3339 timestamp, in ms since the epoch. */
export function expiresAtHeader(c: Context): number | undefined {
  const raw = c.req.header("stream-expires-at");
  if (raw === undefined) return undefined;
  const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
  const at = Date.parse(raw);
  if (!rfc3339.test(raw) || Number.isNaN(at)) invalid("Stream-Expires-At must be an RFC 3339 time");
  return at;
}

export function flagHeader(c: Context, name: string): boolean {
  return c.req.header(name)?.toLowerCase() === "true";
}

/** `Producer-Id`, `-Epoch`, `-Seq`: all three or none. */
export async function producerHeaders(c: Context): Promise<ProducerHeaders | undefined> {
  const id = c.req.header("producer-id");
  const epoch = intHeader(c, "producer-epoch");
  const seq = intHeader(c, "producer-seq");
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined)
    invalid("Producer-Id, Producer-Epoch and Producer-Seq go together");
  if (id.length === 0) invalid("Producer-Id must not be empty");
  return { id: await engineProducerId(id), epoch, seq };
}

/** W3C Trace Context's `traceparent`: version, trace id, parent id, flags (lower-case hex). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
/** `tracestate`: at most 512 characters (W3C), printable ASCII. */
const TRACESTATE = /^[\x20-\x7e]{0,512}$/;

/**
 * `traceparent` (and `tracestate`) of an append. As W3C Trace Context asks
 * of a receiver, one it cannot parse is ignored, not refused: the append is
 * stored as if it had none (and so is a `tracestate` without a valid `traceparent`).
 */
export function traceHeaders(c: Context): TraceContext | undefined {
  const traceparent = c.req.header("traceparent")?.trim();
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!match || match[1] === "ff" || /^0+$/.test(match[2]!) || /^0+$/.test(match[3]!))
    return undefined;
  const tracestate = c.req.header("tracestate")?.trim();
  return {
    traceparent: traceparent!,
    ...(tracestate && TRACESTATE.test(tracestate) ? { tracestate } : {}),
  };
}

/** The headers that carry `trace` (none without one). */
export function traceResponseHeaders(trace: TraceContext | undefined): Record<string, string> {
  if (!trace) return {};
  return {
    traceparent: trace.traceparent,
    ...(trace.tracestate === undefined ? {} : { tracestate: trace.tracestate }),
  };
}

const ENGINE_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Edgeq producer ids are names (`[A-Za-z0-9._-]`); any other Durable Streams
 * id becomes `~` and its SHA-256, which no name can be, so the two never meet.
 */
async function engineProducerId(id: string): Promise<string> {
  if (ENGINE_NAME.test(id)) return id;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `h.${hex}`;
}

/**
 * A request body as one append: bytes, or in JSON mode its messages (a
 * top-level array is flattened one level). Undefined when empty. `[]`
 * creates nothing (allowed on PUT only, `allowEmptyArray`).
 */
export function appendContent(
  body: Uint8Array,
  contentType: string,
  allowEmptyArray: boolean,
): AppendContent | undefined {
  if (body.byteLength === 0) return undefined;
  if (!isJsonType(contentType)) return { bytes: body };
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch (cause) {
    throw new EdgeqError("invalid_request", "the body is not valid JSON", { cause });
  }
  // The same text rule as every JSON body of the broker (http/wire.ts).
  const { tooDeep, loneSurrogate } = scanJsonText(text);
  if (tooDeep || loneSurrogate)
    invalid(
      tooDeep
        ? `the body nests deeper than ${MAX_JSON_DEPTH} levels`
        : "the body must be well-formed Unicode (a lone surrogate)",
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new EdgeqError("invalid_request", "the body is not valid JSON", { cause });
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) {
    if (!allowEmptyArray) invalid("an append of an empty JSON array has nothing to append");
    return undefined;
  }
  return { json: items.map((item) => JSON.stringify(item)).join(",") };
}

/** Headers every answer about a stream carries: its content type, tail and closed state. */
export function stateHeaders(state: StreamState, tail = state.tail): Record<string, string> {
  return {
    "content-type": state.contentType,
    "stream-next-offset": formatOffset(tail),
    ...(state.closed && tail === state.tail ? { "stream-closed": "true" } : {}),
  };
}

/** Stream-TTL / Stream-Expires-At as created. */
export function expiryHeaders(state: StreamState): Record<string, string> {
  return {
    ...(state.ttlSeconds === undefined ? {} : { "stream-ttl": String(state.ttlSeconds) }),
    ...(state.expiresAt === undefined
      ? {}
      : { "stream-expires-at": new Date(state.expiresAt).toISOString() }),
  };
}

/** 20-second intervals since 2024-10-09T00:00:00Z: the protocol's cursor clock. */
const CURSOR_EPOCH = Date.UTC(2024, 9, 9);
const CURSOR_INTERVAL_MS = 20_000;

/**
 * `Stream-Cursor` for a live answer: the current interval, or past the
 * client's cursor by 1 to 3600 s of jitter when it is not behind, so a
 * cached answer's cursor always moves forward.
 */
export function nextCursor(client: string | undefined, now: number): string {
  const interval = Math.floor((now - CURSOR_EPOCH) / CURSOR_INTERVAL_MS);
  const echoed = client !== undefined && /^\d+$/.test(client) ? Number(client) : undefined;
  if (echoed === undefined || echoed < interval) return String(interval);
  const jitterSeconds = 1 + Math.floor(Math.random() * 3600);
  return String(echoed + Math.max(1, Math.ceil((jitterSeconds * 1000) / CURSOR_INTERVAL_MS)));
}
