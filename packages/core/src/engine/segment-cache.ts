import type { Segment } from "./records.js";

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

  /** Forgets the segments wholly below `minOffset` (retention deleted them). */
  trim(minOffset: number): void {
    for (const [first, s] of this.segments)
      if (first + s.msgs.length <= minOffset) {
        this.segments.delete(first);
        this.bytes -= s.bytes;
      }
  }

  clear(): void {
    this.segments.clear();
    this.bytes = 0;
  }

  /** Segments held now. */
  get size(): number {
    return this.segments.size;
  }
}
