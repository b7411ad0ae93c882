import { isPlainObject } from "../../engine/validate.js";
import { EdgeqError } from "../../errors.js";
import { base64ToBytes } from "../../util/bytes.js";

/**
 * An HTTP request kept as a message (a service worker captured it while the
 * network was down) to be replayed to the origin later, by
 * `createReplayHandler` (`@edgeq/browser/sw-capture` captures them). Plain JSON, so it survives IndexedDB, the broker
 * and every transport.
 */
export interface CapturedRequest {
  type: "edgeq.request";
  method: string;
  url: string;
  /** Only the headers the capture allowed (lower-case names). */
  headers: Record<string, string>;
  /** The body as text, or as base64 when `bodyEncoding` says so; absent when empty. */
  body?: string;
  bodyEncoding?: "base64";
  /** Sent as `Idempotency-Key` on every replay, so the origin applies it once. */
  idempotencyKey: string;
  capturedAt: number;
}

/** The body of a captured request as sent again. */
export function capturedBody(captured: CapturedRequest): string | Uint8Array | undefined {
  if (captured.body === undefined) return undefined;
  return captured.bodyEncoding === "base64" ? base64ToBytes(captured.body) : captured.body;
}

/** Checks that a message body is a captured request (anything else is refused, not replayed). */
export function asCapturedRequest(body: unknown): CapturedRequest {
  const ok =
    isPlainObject(body) &&
    body.type === "edgeq.request" &&
    typeof body.method === "string" &&
    typeof body.url === "string" &&
    typeof body.idempotencyKey === "string" &&
    isPlainObject(body.headers) &&
    (body.body === undefined || typeof body.body === "string");
  if (!ok) throw new EdgeqError("invalid_request", "the message is not a captured request");
  return body as unknown as CapturedRequest;
}
