import type { WireRead } from "@edgeq/core/engine";

/** Most messages one NDJSON read answers (docs/protocol.md, Read by offset): ten engine pages. */
export const NDJSON_READ_MAX = 10_000;
/** What one engine read answers at most (the JSON form's bound). */
const PAGE_MAX = 1_000;

/**
 * Reads up to `wanted` messages from `from` in engine pages of at most 1,000,
 * each message's wire JSON one line. Only the first page may wait (`page`
 * decides); later ones stop at the head, and at most as many pages are read
 * as a full answer takes, so a tag filter that skips most of the log ends the
 * answer early (its cursor says where) rather than scanning it all.
 */
export async function readNdjsonPages(
  page: (at: number, limit: number, first: boolean) => Promise<WireRead>,
  from: number,
  wanted: number,
): Promise<{ text: string } & Omit<WireRead, "lines">> {
  let result = await page(from, Math.min(wanted, PAGE_MAX), true);
  let text = ndjson(result.lines);
  let left = wanted - result.lines.length;
  for (let pages = 1; left > 0 && result.nextOffset < result.headOffset; pages++) {
    if (pages * PAGE_MAX >= NDJSON_READ_MAX) break;
    result = await page(result.nextOffset, Math.min(left, PAGE_MAX), false);
    text += ndjson(result.lines);
    left -= result.lines.length;
  }
  const { nextOffset, headOffset, minOffset } = result;
  return { text, nextOffset, headOffset, minOffset };
}

/** Lines of JSON text as NDJSON: each followed by `\n` (JSON text never holds a raw line break). */
function ndjson(lines: readonly string[]): string {
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
