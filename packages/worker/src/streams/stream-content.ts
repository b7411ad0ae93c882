import { EdgeqError, type Message, type ReadResult } from "@edgeq/core";
import type { AppendContent, TraceContext } from "./stream-types.js";

/**
 * A stream's appends as the engine's messages, and back: one append is one
 * message, bytes as a bytes body, JSON mode as the comma-joined texts of its
 * messages (a string body), so reads join appends without parsing them.
 */

/** Largest append: one edgeq message, stored base64 in one SQLite row (rows stop at 2 MB). */
export const MAX_APPEND_BYTES = 1024 * 1024;
/** A read answers at most this many bytes (always at least one append): fewer round trips to catch up. */
export const MAX_READ_BYTES = 4 * 1024 * 1024;

/** An append as the engine's message body: bytes, or the JSON text (a string body). */
export function bodyOf(content: AppendContent): Uint8Array | string {
  return "bytes" in content ? content.bytes : content.json;
}

export function contentOf(message: Message): AppendContent {
  return message.body instanceof Uint8Array
    ? { bytes: message.body }
    : { json: message.body as string };
}

/** The first `n` bytes or messages of an append (a fork's sub-offset); `invalid_request` past its end. */
export function headOf(content: AppendContent, n: number): AppendContent {
  const within = (length: number) => {
    if (n > length)
      throw new EdgeqError("invalid_request", `the sub-offset is past the append's ${length}`);
  };
  if ("bytes" in content) {
    within(content.bytes.byteLength);
    return { bytes: content.bytes.slice(0, n) };
  }
  const items = JSON.parse(`[${content.json}]`) as unknown[];
  within(items.length);
  return {
    json: items
      .slice(0, n)
      .map((item) => JSON.stringify(item))
      .join(","),
  };
}

/** The first appends of a read that fit its byte budget (always at least one). */
export function fitRead(messages: Message[], budget = MAX_READ_BYTES): Message[] {
  let bytes = 0;
  let n = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (n > 0 && bytes + size > budget) break;
    bytes += size;
    n++;
  }
  return messages.slice(0, n);
}

/** Appends a read starts with, before it knows how large this stream's appends are. */
const FIRST_READ_APPENDS = 8;

/**
 * The appends from `from` that fit `budget` (as `fitRead` keeps them), at
 * most `max`, read a few at a time. An append may hold up to 1 MiB and is
 * stored as its own message, so one engine read of `max` appends could
 * decode hundreds of megabytes to keep four: each step reads about as many
 * as the rest of the budget holds, judged by the appends read so far.
 */
export async function readFitting(
  read: (from: number, limit: number) => Promise<ReadResult>,
  from: number,
  max: number,
  budget = MAX_READ_BYTES,
): Promise<Message[]> {
  const got: Message[] = [];
  let bytes = 0;
  let at = from;
  let step = FIRST_READ_APPENDS;
  while (got.length < max && bytes <= budget) {
    const page = await read(at, Math.min(step, max - got.length));
    for (const m of page.messages) {
      got.push(m);
      bytes += sizeOf(m);
    }
    if (page.nextOffset >= page.headOffset || page.nextOffset === at) break;
    at = page.nextOffset;
    const average = got.length > 0 ? bytes / got.length : 1;
    step = Math.max(1, Math.ceil((budget - bytes) / Math.max(1, average)));
  }
  return fitRead(got, budget);
}

function sizeOf(m: Message): number {
  return m.body instanceof Uint8Array ? m.body.byteLength : (m.body as string).length;
}

/** The trace context an append was made in, from its message's headers. */
export function traceOf(message: Message): TraceContext | undefined {
  const { traceparent, tracestate } = message.headers ?? {};
  if (traceparent === undefined) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/**
 * The first appends of a read made in the same trace context as the first
 * one (or all in none), so the read's `traceparent` is true of each of them.
 * A stream whose appends carry no trace context is read as before.
 */
export function sameTrace(messages: Message[]): Message[] {
  const first = messages[0]?.headers;
  const same = (m: Message) =>
    m.headers?.traceparent === first?.traceparent && m.headers?.tracestate === first?.tracestate;
  const cut = messages.findIndex((m) => !same(m));
  return cut < 0 ? messages : messages.slice(0, cut);
}

export function concatBytes(messages: Message[]): Uint8Array {
  const parts = messages.map((m) => m.body as Uint8Array);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function jsonArray(messages: Message[]): Uint8Array {
  return new TextEncoder().encode(`[${messages.map((m) => m.body as string).join(",")}]`);
}
