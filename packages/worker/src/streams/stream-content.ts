import { EdgeqError, type Message } from "@edgeq/core";
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
    const size = m.body instanceof Uint8Array ? m.body.byteLength : (m.body as string).length;
    if (n > 0 && bytes + size > budget) break;
    bytes += size;
    n++;
  }
  return messages.slice(0, n);
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
