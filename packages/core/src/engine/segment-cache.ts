import type { Segment } from "./records.js";

/** The most a queue keeps of decoded, unread messages between pages (`keepUnread`). */
const UNREAD_MAX_BYTES = 1024 * 1024;

/**
 * The commitlog segments a queue read last, decoded, so that consecutive
 * reads inside one segment decode it once: a group commit of 1,000 messages
 * is one segment, and lease receives of 100 would otherwise parse all 1,000
 * ten times. Least recently used goes first; bounded by the segments' bytes,
 * though the latest segment is always kept.
 *
 * Sound because a segment never changes once written (appends make new
 * ones); retention deletes whole segments and says so through `trim`, and a
 * reload from the store (`clear`) forgets everything. Readers share the
 * cached objects, so the host must copy what it hands out (RPC does).
 */
export class SegmentCache {
  /** By first offset, least recently used first. */
  private readonly segments = new Map<number, Segment>();
  private bytes = 0;
  /**
   * Without a cache (maxBytes 0), the messages a page decoded but did not
   * hand out: those past its end, in the segment it ended in. No reader holds
   * them, so the next page from there may take them (once) instead of
   * decoding that segment again: a consumer whose offset sits mid-segment
   * then decodes each segment once, not twice.
   */
  private unread: Segment | undefined;

  constructor(private readonly maxBytes: number) {}

  /** The cached segment holding `offset`, if any. */
  find(offset: number): Segment | undefined {
    for (const seg of this.segments.values())
      if (offset >= seg.first && offset < seg.first + seg.msgs.length) {
        this.segments.delete(seg.first);
        this.segments.set(seg.first, seg);
        return seg;
      }
    return undefined;
  }

  add(seg: Segment): void {
    if (this.maxBytes <= 0) return;
    const old = this.segments.get(seg.first);
    if (old) this.bytes -= old.bytes;
    this.segments.delete(seg.first);
    this.segments.set(seg.first, seg);
    this.bytes += seg.bytes;
    for (const [first, s] of this.segments) {
      if (this.bytes <= this.maxBytes || this.segments.size === 1) break;
      this.segments.delete(first);
      this.bytes -= s.bytes;
    }
  }

  /**
   * Keeps the messages of `seg` from offset `from` on, which the caller
   * decoded itself and handed to no one; only without a cache (a cached
   * segment is there already) and up to UNREAD_MAX_BYTES.
   */
  keepUnread(seg: Segment, from: number): void {
    const at = from - seg.first;
    if (this.maxBytes > 0 || at <= 0 || at >= seg.msgs.length) return;
    const bytes = Math.ceil((seg.bytes * (seg.msgs.length - at)) / seg.msgs.length);
    if (bytes > UNREAD_MAX_BYTES) return;
    this.unread = { first: from, lastAt: seg.lastAt, bytes, msgs: seg.msgs.slice(at) };
  }

  /** The kept unread messages when they start at `offset`, handed out once. */
  takeUnread(offset: number): Segment | undefined {
    const kept = this.unread;
    if (kept?.first !== offset) return undefined;
    this.unread = undefined;
    return kept;
  }

  /** Forgets the segments wholly below `minOffset` (retention deleted them). */
  trim(minOffset: number): void {
    this.unread = undefined;
    for (const [first, s] of this.segments)
      if (first + s.msgs.length <= minOffset) {
        this.segments.delete(first);
        this.bytes -= s.bytes;
      }
  }

  clear(): void {
    this.unread = undefined;
    this.segments.clear();
    this.bytes = 0;
  }

  /** Segments held now. */
  get size(): number {
    return this.segments.size;
  }
}
