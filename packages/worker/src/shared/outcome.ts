import { EdgeqError, type EdgeqErrorCode } from "@edgeq/core";

/** An error as data: its stable code, message and details. */
export interface ErrorData {
  code: EdgeqErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * What every RPC method of edgeq answers (QueueDO, EdgeqRpc). Errors travel
 * as data: Workers RPC keeps only an error's name and message, and the caller
 * needs the stable code and details to answer HTTP or to decide a retry.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

/** Encodes an error: an EdgeqError keeps its code and details, anything else is `internal`. */
export function errorData(error: unknown): ErrorData {
  if (error instanceof EdgeqError)
    return {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    };
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

/** Runs `fn` and answers its value or its error as an Outcome: the one wrapper of every RPC method. */
export async function outcomeOf<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: errorData(error) };
  }
}

/** Decodes an Outcome: its value, or its error thrown again as the EdgeqError it was. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const { code, message, details } = outcome.error;
  throw new EdgeqError(code, message, details ? { details } : {});
}
