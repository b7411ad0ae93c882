import { EdgeqError } from "@edgeq/core";

/**
 * The error an HTTP answer reports: an EdgeqError as it is; anything else is
 * a bug, logged here, and answered only as `internal` (what went wrong
 * inside stays in the log).
 */
export function errorAnswer(error: unknown): EdgeqError {
  if (error instanceof EdgeqError) return error;
  console.error("edgeq: unexpected error", error);
  return new EdgeqError("internal", "internal error", { cause: error });
}
