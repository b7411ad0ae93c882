import type { LogSource } from "./log-reader.js";
import { segmentAt } from "./log-reader.js";
import type { Segment } from "./records.js";

/**
 * The first offset in `[minOffset, head)` whose message was produced at or
 * after `at` (ms), or `head` when none was: Kafka's ListOffsets by time, so
 * an operator can move a group back to "everything since 09:00".
 *
 * A binary search over the log's segments by their `lastAt` (largest
 * `producedAt` inside), then a scan of the one segment found: about
 * log2(segments) reads, never a scan of the log. It is exact where
 * `producedAt` grows with the offset, which holds for every append and every
 * transaction commit (stamped with the queue's clock as they are placed); a
 * delayed message keeps its send time when it is placed at its due time, so
 * next to one the answer can be that message's offset (docs/protocol.md).
 */
export async function offsetByTime(
  log: LogSource,
  minOffset: number,
  head: number,
  at: number,
): Promise<number> {
  let lo = minOffset;
  let hi = head;
  let found: Segment | undefined;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const seg = await segmentAt(log, mid);
    const end = seg ? seg.first + seg.msgs.length : mid;
    if (!seg || end <= mid || seg.lastAt < at) lo = Math.max(end, mid + 1);
    else {
      found = seg;
      hi = seg.first;
    }
  }
  if (!found) return head;
  const start = Math.max(minOffset, found.first);
  for (let offset = start; offset < found.first + found.msgs.length; offset++)
    if (found.msgs[offset - found.first]!.producedAt >= at) return offset;
  return Math.min(head, found.first + found.msgs.length);
}
