import { isEdgeqError } from "@edgeq/core";
import type { OutboxStats } from "../outbox/types.js";

export type ErrorSummary = NonNullable<OutboxStats["lastError"]>;

/** The part of an error worth keeping in stats and sending to other tabs (errors do not clone well). */
export function describeError(error: unknown, at = Date.now()): ErrorSummary {
  if (isEdgeqError(error)) return { code: error.code, message: error.message, at };
  // Beneath the protocol (a fetch TypeError): the broker was not reached.
  return {
    code: "unavailable",
    message: error instanceof Error ? error.message : String(error),
    at,
  };
}
