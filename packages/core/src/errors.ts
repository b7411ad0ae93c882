/**
 * Stable error codes shared by every edgeq surface. The first seven are the
 * HTTP contract of docs/protocol.md; the rest describe failures of the platform
 * underneath (a store that refused a write, a quota, a closed engine).
 */
export type EdgeqErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "gone"
  | "too_large"
  | "offset_out_of_range"
  | "rate_limited"
  | "quota_exceeded"
  | "unavailable"
  | "closed"
  | "internal"
  /** A message's expiry (`maxRetentionMs`, `expiresAt`) passed before it was delivered. */
  | "expired";

/** The HTTP status each code maps to, so every host answers the same way. */
export const errorStatus: Readonly<Record<EdgeqErrorCode, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  offset_out_of_range: 416,
  rate_limited: 429,
  quota_exceeded: 507,
  unavailable: 503,
  closed: 503,
  internal: 500,
  expired: 410,
};

/** What an EdgeqError carries besides its code and message. */
export interface EdgeqErrorOptions {
  /** The platform error behind this one, kept rather than swallowed. */
  cause?: unknown;
  /** Extra machine-readable fields for the error body (for example `minOffset`). */
  details?: Record<string, unknown>;
}

/**
 * The one error type of every edgeq surface: a stable `code` (docs/protocol.md),
 * a message for people, optional machine-readable `details`, and the platform
 * error behind it as `cause`.
 */
export class EdgeqError extends Error {
  override readonly name = "EdgeqError";
  /** What went wrong, stable across versions and surfaces. */
  readonly code: EdgeqErrorCode;
  /** Extra fields for the error body, e.g. `minOffset` with `offset_out_of_range`. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: EdgeqErrorCode, message: string, options: EdgeqErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  /** The HTTP status of `code` (see `errorStatus`). */
  get status(): number {
    return errorStatus[this.code];
  }

  /** The protocol's error body: `{"error": {"code", "message", ...details}}`. */
  toJSON(): { error: { code: EdgeqErrorCode; message: string } & Record<string, unknown> } {
    return { error: { ...this.details, code: this.code, message: this.message } };
  }
}

/** Whether `value` is an EdgeqError (with `code`, when given). */
export function isEdgeqError(value: unknown, code?: EdgeqErrorCode): value is EdgeqError {
  return value instanceof EdgeqError && (code === undefined || value.code === code);
}

/** Shorthand used by validation: throws `invalid_request`. */
export function invalid(message: string, field?: string): never {
  throw new EdgeqError(
    "invalid_request",
    message,
    field === undefined ? {} : { details: { field } },
  );
}
