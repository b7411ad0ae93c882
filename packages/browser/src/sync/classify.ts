import { isEdgeqError } from "@edgeq/core";

/**
 * What the sync loop does after a failed produce request:
 * - `permanent`: the broker judged the request itself (400, 413); sending it
 *   again would only repeat the answer, so the message goes to the dead letters;
 * - `auth`: the token is missing, wrong or lacks the right (401, 403): stop
 *   until the app provides another;
 * - `transient`: anything else (no answer, 429, 5xx, an unknown topic that an
 *   operator may still add): back off and send the same batch again, which the
 *   broker's (producerId, seq) dedup makes safe.
 */
export type FailureKind = "permanent" | "auth" | "transient";

export function classifyFailure(error: unknown): FailureKind {
  if (!isEdgeqError(error)) return "transient";
  switch (error.code) {
    case "invalid_request":
    case "too_large":
      return "permanent";
    case "unauthorized":
    case "forbidden":
      return "auth";
    default:
      return "transient";
  }
}
