import type { MessageBody } from "@edgeq/core";

/** Cloudflare's content types (`QueueContentType` of @cloudflare/workers-types). */
export type ContentType = "text" | "bytes" | "json" | "v8";

/** The header that keeps a message's Cloudflare content type in edgeq. */
export const CONTENT_TYPE_HEADER = "cf-content-type";

/**
 * Cloudflare Queues' documented limits (1 KB = 1,000 bytes): a message body
 * of at most 128 KB, a `sendBatch` of at most 100 messages and 256 KB.
 */
export const CF_LIMITS = {
  messageBytes: 128_000,
  batchMessages: 100,
  batchBytes: 256_000,
  /** Cloudflare's delay limit; edgeq's producer accepts more (see `QueueProducerOptions`). */
  delaySeconds: 86_400,
} as const;

/** A body ready for edgeq: the edgeq body, its content type and its size as Cloudflare counts it. */
export interface EncodedBody {
  body: MessageBody;
  contentType: ContentType;
  bytes: number;
}

const encoder = new TextEncoder();

/**
 * Encodes a body as Cloudflare's `serialize` would type-check it, into what
 * edgeq stores (JSON or bytes):
 * - `json` (the default): the value as `JSON.stringify` leaves it (Dates
 *   become strings, `undefined` fields vanish), as Cloudflare's json does;
 * - `text`: a string, else TypeError;
 * - `bytes`: an ArrayBuffer or a view of one, else TypeError; stored as bytes;
 * - `v8`: edgeq has no structured-clone format, so a v8 body is stored as
 *   JSON and must survive JSON unchanged: a Date, Map, Set, RegExp, BigInt,
 *   typed array inside, cycle or `undefined` is refused with a TypeError
 *   instead of being silently altered. It is delivered as `json`.
 */
export function encodeBody(value: unknown, type: string | undefined): EncodedBody {
  if (value === undefined) throw new TypeError("Message body cannot be undefined");
  const contentType = validateContentType(type ?? "json");
  switch (contentType) {
    case "text": {
      if (typeof value !== "string")
        throw new TypeError(
          `Content Type "text" requires a value of type string, but received: ${typeof value}`,
        );
      return { body: value, contentType, bytes: encoder.encode(value).byteLength };
    }
    case "bytes": {
      const bytes = toBytes(value);
      if (!bytes)
        throw new TypeError(
          `Content Type "bytes" requires a value of type ArrayBufferView, but received: ${typeof value}`,
        );
      return { body: bytes, contentType, bytes: bytes.byteLength };
    }
    case "json": {
      const text = JSON.stringify(value);
      if (text === undefined)
        throw new TypeError(`Content Type "json" cannot serialize a ${typeof value}`);
      return { body: JSON.parse(text), contentType, bytes: encoder.encode(text).byteLength };
    }
    case "v8": {
      assertPlainJson(value, "body");
      const text = JSON.stringify(value);
      return {
        body: JSON.parse(text),
        contentType: "json",
        bytes: encoder.encode(text).byteLength,
      };
    }
  }
}

/** A body as a Workers consumer receives it: text a string, bytes an ArrayBuffer, JSON the value. */
export function decodeBody(body: MessageBody, headers: Record<string, string>): unknown {
  if (body instanceof Uint8Array) return copyToArrayBuffer(body);
  if (headers[CONTENT_TYPE_HEADER] === "bytes" && typeof body === "string")
    return copyToArrayBuffer(base64ToBytes(body));
  return body;
}

/** The Cloudflare content type of an edgeq message: its header, else what its body is. */
export function contentTypeOf(body: MessageBody, headers: Record<string, string>): ContentType {
  const declared = headers[CONTENT_TYPE_HEADER];
  if (declared === "text" || declared === "bytes" || declared === "json") return declared;
  return body instanceof Uint8Array ? "bytes" : "json";
}

function validateContentType(type: string): ContentType {
  const lower = type.toLowerCase();
  if (lower === "text" || lower === "bytes" || lower === "json" || lower === "v8") return lower;
  throw new TypeError(`Unsupported queue message content type: ${type}`);
}

function toBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value))
    return new Uint8Array(
      value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength),
    );
  return undefined;
}

function copyToArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Base64 of bytes (RFC 4648), as Cloudflare's pull API encodes `json` and `bytes` bodies. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Throws a TypeError for anything JSON would not carry back unchanged. */
function assertPlainJson(value: unknown, path: string, seen = new Set<object>()): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return;
    throw new TypeError(`edgeq stores v8 bodies as JSON; ${path} is ${value}`);
  }
  if (typeof value !== "object")
    throw new TypeError(`edgeq stores v8 bodies as JSON; ${path} is a ${typeof value}`);
  if (seen.has(value)) throw new TypeError(`edgeq stores v8 bodies as JSON; ${path} is a cycle`);
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertPlainJson(v, `${path}[${i}]`, seen);
    });
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      throw new TypeError(
        `edgeq stores v8 bodies as JSON; ${path} is a ${value.constructor?.name ?? "non-plain object"}`,
      );
    for (const [k, v] of Object.entries(value)) assertPlainJson(v, `${path}.${k}`, seen);
  }
  seen.delete(value);
}
