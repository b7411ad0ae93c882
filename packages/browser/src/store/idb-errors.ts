import { EdgeqError } from "@edgeq/core";

/**
 * IndexedDB fails with DOMExceptions whose names are the only stable part.
 * A full disk is the one the app can act on (free space, ask for persistence),
 * so it gets its own code; the rest say the write did not happen.
 */
export function fromIdbError(cause: unknown, what: string): EdgeqError {
  if (cause instanceof EdgeqError) return cause;
  const name = cause instanceof Error || cause instanceof DOMException ? cause.name : "";
  if (name === "QuotaExceededError")
    return new EdgeqError("quota_exceeded", `${what}: the browser's storage quota is exhausted`, {
      cause,
    });
  if (name === "InvalidStateError")
    return new EdgeqError("closed", `${what}: the database is closed`, { cause });
  return new EdgeqError("unavailable", `${what}: IndexedDB refused it (${name || "error"})`, {
    cause,
  });
}
