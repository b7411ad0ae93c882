import type { ReadResult } from "@edgeq/core";
import { messagesToNdjson } from "@edgeq/core/engine";

/** Most messages one NDJSON read answers (docs/protocol.md, Read by offset): ten engine pages. */
export const NDJSON_READ_MAX = 10_000;
/** What one engine read answers at most (the JSON form's bound). */
const PAGE_MAX = 1_000;

/** A read by offset in the NDJSON form: the lines, and the cursor the JSON form would give. */
export interface NdjsonPage {
  /** One line per message, each the JSON form's message object followed by `\n`. */
  text: string;
  /** Where to read on (the JSON form's `nextOffset`). */
  nextOffset: number;
  /** The queue's head when read. */
  headOffset: number;
  /** The queue's oldest retained offset when read. */
  minOffset: number;
}

/**
 * Reads up to `wanted` messages from `from` in engine pages of at most 1,000,
 * each page's messages turned into lines at once. Only the first page may wait
 * (`page` decides); later ones stop at the head, and at most as many pages are
 * read as a full answer takes, so a tag filter that skips most of the log ends
 * the answer early (its cursor says where) rather than scanning it all.
 */
export async function readNdjsonPages(
  page: (at: number, limit: number, first: boolean) => Promise<ReadResult>,
  from: number,
  wanted: number,
): Promise<NdjsonPage> {
  let result = await page(from, Math.min(wanted, PAGE_MAX), true);
  let text = messagesToNdjson(result.messages);
  let left = wanted - result.messages.length;
  for (let pages = 1; left > 0 && result.nextOffset < result.headOffset; pages++) {
    if (pages * PAGE_MAX >= NDJSON_READ_MAX) break;
    result = await page(result.nextOffset, Math.min(left, PAGE_MAX), false);
    text += messagesToNdjson(result.messages);
    left -= result.messages.length;
  }
  const { nextOffset, headOffset, minOffset } = result;
  return { text, nextOffset, headOffset, minOffset };
}
