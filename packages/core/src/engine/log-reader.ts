import type { Store } from "../store/store.js";
import { fromJson, type QueueKeys, type Segment, type StoredMessage } from "./records.js";
import type { SegmentCache } from "./segment-cache.js";

/** Where a queue's commitlog is read from (a QueueState is one). */
export interface LogSource {
  store: Store;
  keys: QueueKeys;
  segments: SegmentCache;
}

export interface LogEntry {
  offset: number;
  msg: StoredMessage;
}

export interface LogRange {
  entries: LogEntry[];
  /** First offset not examined. */
  next: number;
}

const SEGMENTS_PER_SCAN = 16;

/**
 * Reads `[from, end)` of a queue's commitlog, at most `limit` matching
 * entries and at most `maxScan` examined, so a selective filter cannot turn
 * one read into a scan of the whole log.
 */
export async function readLog(
  log: LogSource,
  from: number,
  end: number,
  limit: number,
  filter?: (msg: StoredMessage) => boolean,
  maxScan = Math.max(limit * 16, 1024),
): Promise<LogRange> {
  const { store, keys } = log;
  const entries: LogEntry[] = [];
  let next = from;
  if (from >= end || limit <= 0) return { entries, next };
  const first = log.segments.takeUnread(from) ?? (await segmentAt(log, from));
  let segments = first ? [first] : [];
  let scanFrom = from + 1;
  let scanned = 0;
  for (;;) {
    for (const seg of segments) {
      for (let i = Math.max(0, next - seg.first); i < seg.msgs.length; i++) {
        const offset = seg.first + i;
        if (offset < next) continue;
        if (offset >= end || entries.length >= limit || scanned >= maxScan) {
          log.segments.keepUnread(seg, offset);
          return { entries, next };
        }
        const msg = seg.msgs[i]!;
        scanned++;
        next = offset + 1;
        if (!filter || filter(msg)) entries.push({ offset, msg });
      }
      scanFrom = seg.first + seg.msgs.length;
    }
    if (next >= end || entries.length >= limit || scanned >= maxScan) return { entries, next };
    const at = Math.max(scanFrom, next);
    const cached = log.segments.find(at);
    if (cached) {
      segments = [cached];
      continue;
    }
    // Only the segments the page still needs, judged by the last one's size: a page
    // of 1,000 that starts mid-segment needs one more big segment, not sixteen (each
    // decoded, and crowding the cache). A filter may skip any number: it reads ahead.
    const segmentLength = Math.max(1, segments[segments.length - 1]?.msgs.length ?? 1);
    const wanted = filter
      ? SEGMENTS_PER_SCAN
      : Math.min(SEGMENTS_PER_SCAN, Math.ceil((limit - entries.length) / segmentLength));
    const more = await store.scan({
      start: keys.segment(at),
      end: keys.segment(end),
      limit: wanted,
    });
    if (more.length === 0) return { entries, next };
    segments = more.map(([, v]) => fromJson<Segment>(v));
    for (const seg of segments) log.segments.add(seg);
  }
}

/** The segment holding `offset` (or the last one before it, if none does), cached or read. */
export async function segmentAt(log: LogSource, offset: number): Promise<Segment | undefined> {
  const cached = log.segments.find(offset);
  if (cached) return cached;
  // The segment holding `offset` starts at or before it.
  const [hit] = await log.store.scan({
    start: log.keys.segmentPrefix(),
    end: log.keys.segment(offset + 1),
    reverse: true,
    limit: 1,
  });
  if (!hit) return undefined;
  const seg = fromJson<Segment>(hit[1]);
  log.segments.add(seg);
  return seg;
}

/** Reads scattered offsets (leases, retries), one segment lookup per distinct segment. */
export async function readOffsets(
  log: LogSource,
  offsets: readonly number[],
): Promise<Map<number, StoredMessage>> {
  const found = new Map<number, StoredMessage>();
  let seg: Segment | undefined;
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    if (!seg || offset < seg.first || offset >= seg.first + seg.msgs.length)
      seg = await segmentAt(log, offset);
    const msg =
      seg && offset - seg.first < seg.msgs.length ? seg.msgs[offset - seg.first] : undefined;
    if (msg) found.set(offset, msg);
  }
  return found;
}

/** Matches messages carrying at least one of `tags`; no filter without tags. */
export function tagFilter(tags: string[] | undefined): ((m: StoredMessage) => boolean) | undefined {
  if (!tags || tags.length === 0) return undefined;
  const wanted = new Set(tags);
  return (m) => m.tags?.some((t) => wanted.has(t)) ?? false;
}
