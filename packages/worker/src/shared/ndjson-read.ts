import type { ReadResult } from "@edgeq/core";
import { messagesToNdjson, type NdjsonRead } from "@edgeq/core/engine";

/** Most messages one NDJSON read answers (docs/protocol.md, Read by offset): ten engine pages. */
export const NDJSON_READ_MAX = 10_000;
/** What one engine read answers at most (the JSON form's bound). */
const PAGE_MAX = 1_000;

/** A read by offset in the NDJSON form: the lines, and the cursor the JSON form would give. */
export type NdjsonPage = Omit<NdjsonRead, "count">;

/** A read's messages as NDJSON lines, for a queue read through the router (a long-poll). */
export function ndjsonOf(result: ReadResult): NdjsonRead {
  const { messages, ...cursor } = result;
  return { text: messagesToNdjson(messages), count: messages.length, ...cursor };
}

/**
 * Reads up to `wanted` messages from `from` in engine pages of at most 1,000,
 * each page's messages turned into lines at once. Only the first page may wait
 * (`page` decides); later ones stop at the head, and at most as many pages are
 * read as a full answer takes, so a tag filter that skips most of the log ends
 * the answer early (its cursor says where) rather than scanning it all.
 */
export async function readNdjsonPages(
  page: (at: number, limit: number, first: boolean) => Promise<NdjsonRead>,
  from: number,
  wanted: number,
): Promise<NdjsonPage> {
  let result = await page(from, Math.min(wanted, PAGE_MAX), true);
  let text = result.text;
  let left = wanted - result.count;
  for (let pages = 1; left > 0 && result.nextOffset < result.headOffset; pages++) {
    if (pages * PAGE_MAX >= NDJSON_READ_MAX) break;
    result = await page(result.nextOffset, Math.min(left, PAGE_MAX), false);
    text += result.text;
    left -= result.count;
  }
  const { nextOffset, headOffset, minOffset } = result;
  return { text, nextOffset, headOffset, minOffset };
}
