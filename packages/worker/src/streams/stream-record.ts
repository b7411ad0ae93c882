import type { CreateRequest, ForkRequest, StreamConfig } from "./stream-types.js";

/** What a StreamDO keeps about its stream besides the log. */
export interface StreamRecord extends StreamConfig {
  incarnation: string;
  /** Last read or write: a `Stream-TTL` runs from here. */
  accessedAt: number;
  closed: boolean;
  /** The last `Stream-Seq` appended with (one scope per stream). */
  streamSeq?: string;
  /** The fork request this stream was made by, so repeating the PUT is idempotent. */
  fork?: ForkRequest;
  /** The source's incarnation when forked: it is told when this fork goes. */
  forkedFromIncarnation?: string;
  /** Live forks of this stream: while any is left, a DELETE only marks it deleted. */
  forks: number;
  /** Deleted while forks lived: answers 410 until the last fork goes, then it is purged. */
  deleted?: true;
}

/** The media type alone, lower-cased: `Text/Plain; charset=utf-8` is `text/plain`. */
export function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

export function sameMediaType(a: string, b: string): boolean {
  return mediaType(a) === mediaType(b);
}

/** JSON mode (message boundaries, arrays flattened one level): `application/json`. */
export function isJsonType(contentType: string): boolean {
  return mediaType(contentType) === "application/json";
}

/**
 * Whether a create repeats the settings of the stream that exists (an
 * idempotent PUT). A fork that named no content type or expiry inherited
 * them, so only what it named is compared.
 */
export function sameConfig(record: StreamRecord, request: CreateRequest): boolean {
  const inherits = request.fork !== undefined;
  const namesExpiry = request.ttlSeconds !== undefined || request.expiresAt !== undefined;
  const typeMatches =
    (inherits && !request.explicitType) || sameMediaType(record.contentType, request.contentType);
  const expiryMatches =
    (inherits && !namesExpiry) ||
    (record.ttlSeconds === request.ttlSeconds && record.expiresAt === request.expiresAt);
  return typeMatches && expiryMatches && sameFork(record.fork, request.fork);
}

function sameFork(a: ForkRequest | undefined, b: ForkRequest | undefined): boolean {
  return (
    a?.path === b?.path && a?.offset === b?.offset && (a?.subOffset ?? 0) === (b?.subOffset ?? 0)
  );
}

/** When the stream expires: its `Stream-Expires-At`, or its TTL after the last access. */
export function expiryOf(record: StreamRecord): number | undefined {
  if (record.expiresAt !== undefined) return record.expiresAt;
  if (record.ttlSeconds !== undefined) return record.accessedAt + record.ttlSeconds * 1000;
  return undefined;
}
