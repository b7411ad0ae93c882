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
 * Reads a JSON object body. A wrong content type, bytes that are not UTF-8,
 * malformed JSON or a non-object is `invalid_request` and changes nothing.
 * Lone surrogates (`"\\uD800"` escapes) are the core's to refuse, in
 * `normalizeAppend`, where every surface's messages pass.
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
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new EdgeqError("invalid_request", "body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new EdgeqError("invalid_request", "body must be a JSON object");
  return body as Record<string, unknown>;
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
