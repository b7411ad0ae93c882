import { EdgeqError, messageToWire, type TransactionInfo } from "@edgeq/core";
import type { Context } from "hono";

/** A transaction as JSON: its half messages' bytes bodies as base64. */
export function transactionToWire(tx: TransactionInfo) {
  return { ...tx, messages: tx.messages.map(messageToWire) };
}

/** A 429's wait as the `retry-after` header, in whole seconds as HTTP has it (clients also read `details.retryAfterMs`). */
export function setRetryAfter(c: Context, error: EdgeqError): void {
  const retryAfterMs = error.details?.retryAfterMs;
  if (typeof retryAfterMs === "number")
    c.header("retry-after", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
}

/** `application/json` exactly, parameters allowed (`; charset=utf-8`): not `application/json-seq`, not `text/json`. */
const JSON_MEDIA_TYPE = /^application\/json[ \t]*(;|$)/i;

// `fatal`: bytes that are not UTF-8 are refused, never stored as U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads a JSON object body: the one check of every string a client sends over
 * HTTP. A wrong content type, bytes that are not UTF-8, nesting past
 * MAX_JSON_DEPTH, malformed JSON, a non-object, or a lone surrogate in any
 * string or key (`field` names where) is `invalid_request` and changes nothing.
 */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  if (!JSON_MEDIA_TYPE.test(c.req.header("content-type") ?? ""))
    throw new EdgeqError("invalid_request", "content-type must be application/json", {
      details: { field: "content-type" },
    });
  let text: string;
  try {
    text = utf8.decode(await c.req.arrayBuffer());
  } catch {
    throw new EdgeqError("invalid_request", "body is not well-formed UTF-8", {
      details: { field: "body" },
    });
  }
  const { tooDeep, loneSurrogate } = scanJsonText(text);
  if (tooDeep)
    throw new EdgeqError("invalid_request", `body nests deeper than ${MAX_JSON_DEPTH} levels`, {
      details: { field: "body" },
    });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new EdgeqError("invalid_request", "body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new EdgeqError("invalid_request", "body must be a JSON object");
  if (loneSurrogate) {
    const field = loneSurrogatePath(body, "") ?? "body";
    throw new EdgeqError(
      "invalid_request",
      `${field} must be well-formed Unicode (a lone surrogate)`,
      {
        details: { field },
      },
    );
  }
  return body as Record<string, unknown>;
}

/**
 * Deepest nesting a request body may have: a message body may nest 64 deep
 * (the core's rule), and the request around it a few levels more. Deeper
 * values would overflow the stack of JSON and structured clone further on.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * One pass over JSON text: whether it nests deeper than MAX_JSON_DEPTH, and
 * whether a string holds a `\uD800`–`\uDFFF` escape that is not half of a
 * pair (decoded UTF-8 never holds a lone surrogate, so only an escape can).
 */
export function scanJsonText(text: string): { tooDeep: boolean; loneSurrogate: boolean } {
  let depth = 0;
  let loneSurrogate = false;
  // Strings are passed over with indexOf (native) to their closing quote, stopping
  // only at escapes: most of a request's text is strings with none.
  let backslash = text.indexOf("\\");
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i++;
      for (;;) {
        // An unterminated string runs to the end (JSON.parse refuses it after this scan).
        const found = text.indexOf('"', i);
        const quote = found < 0 ? text.length : found;
        if (backslash >= 0 && backslash < i) backslash = text.indexOf("\\", i);
        if (backslash < 0 || backslash > quote) {
          i = quote;
          break;
        }
        i = backslash;
        if (text.charCodeAt(i + 1) === 0x75) {
          const unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // A high half must be followed at once by a low half.
            const next = text.startsWith("\\u", i + 6)
              ? Number.parseInt(text.slice(i + 8, i + 12), 16)
              : Number.NaN;
            if (next >= 0xdc00 && next <= 0xdfff) i += 6;
            else loneSurrogate = true;
          } else if (unit >= 0xdc00 && unit <= 0xdfff) loneSurrogate = true;
          i += 6;
        } else i += 2;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return { tooDeep: true, loneSurrogate };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { tooDeep: false, loneSurrogate };
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** Where in a parsed body a key or string holds a lone surrogate (`messages[0].tags[1]`). */
function loneSurrogatePath(value: unknown, at: string): string | undefined {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? at || "body" : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogatePath(value[i], `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key;
    if (LONE_SURROGATE.test(key)) return path;
    const found = loneSurrogatePath(item, path);
    if (found) return found;
  }
  return undefined;
}

/** An optional non-negative integer query parameter; anything else is `invalid_request`. */
export function intParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw))
    throw new EdgeqError("invalid_request", `${name} must be a non-negative integer`);
  return Number(raw);
}

/** A path segment that must be a queue id. */
export function queueIdParam(raw: string): number {
  if (!/^\d{1,6}$/.test(raw))
    throw new EdgeqError("invalid_request", "queueId must be a non-negative integer");
  return Number(raw);
}
