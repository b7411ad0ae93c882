import type { CapturedRequest } from "@edgeq/core/replay";
import { bytesToBase64 } from "@edgeq/core/util";

/** What `captureRequest` keeps of a request. */
export interface CaptureRequestOptions {
  /**
   * Request headers kept, by name (any case). Default `content-type`,
   * `accept` and `content-language`. Credentials (`authorization`, cookies)
   * are left out unless named: they would sit on the device and in the
   * broker, and have often expired by the replay; the replayer adds its own.
   */
  headers?: readonly string[];
}

const DEFAULT_HEADERS = ["content-type", "accept", "content-language"];

/**
 * Reads `request` into a `CapturedRequest` (consuming its body: pass a clone
 * when the request goes on). Its own `Idempotency-Key` header is kept as
 * the key; otherwise a new one is made.
 */
export async function captureRequest(
  request: Request,
  options: CaptureRequestOptions = {},
): Promise<CapturedRequest> {
  const allowed = new Set((options.headers ?? DEFAULT_HEADERS).map((h) => h.toLowerCase()));
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (allowed.has(name)) headers[name] = value;
  });
  const bytes = new Uint8Array(await request.arrayBuffer());
  return {
    type: "edgeq.request",
    method: request.method,
    url: request.url,
    headers,
    ...encodeBody(bytes),
    idempotencyKey: request.headers.get("idempotency-key") ?? crypto.randomUUID(),
    capturedAt: Date.now(),
  };
}

/** Text stays text (JSON, forms); anything that is not UTF-8 goes as base64. */
function encodeBody(bytes: Uint8Array): Pick<CapturedRequest, "body" | "bodyEncoding"> {
  if (bytes.length === 0) return {};
  try {
    return { body: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { body: bytesToBase64(bytes), bodyEncoding: "base64" };
  }
}
