import type { StreamConfig } from "./stream-types.js";

/** What a StreamDO keeps about its stream besides the log. */
export interface StreamRecord extends StreamConfig {
  incarnation: string;
  /** Last read or write: a `Stream-TTL` runs from here. */
  accessedAt: number;
  closed: boolean;
  /** The last `Stream-Seq` appended with (one scope per stream). */
  streamSeq?: string;
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

/** Whether a create repeats the settings of the stream that exists (an idempotent PUT). */
export function sameConfig(record: StreamRecord, request: StreamConfig): boolean {
  return (
    sameMediaType(record.contentType, request.contentType) &&
    record.ttlSeconds === request.ttlSeconds &&
    record.expiresAt === request.expiresAt
  );
}

/** When the stream expires: its `Stream-Expires-At`, or its TTL after the last access. */
export function expiryOf(record: StreamRecord): number | undefined {
  if (record.expiresAt !== undefined) return record.expiresAt;
  if (record.ttlSeconds !== undefined) return record.accessedAt + record.ttlSeconds * 1000;
  return undefined;
}
