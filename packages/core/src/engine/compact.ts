import type { StoreOp } from "../store/store.js";
import type { Segment } from "./records.js";

/**
 * Shrinks one group commit's ops without changing what the store ends up
 * holding (the batch is atomic and applied in order):
 * - a put or delete that a later put or delete of the same key overrides is
 *   dropped (the queue's meta is written by every mutation of the batch);
 * - consecutive segments (each one's first offset is where the previous one
 *   ends) become one segment record, up to `maxMessages`: concurrent sends of
 *   one message each then cost one segment, as one batch of them would.
 *   Readers find a message by scanning back to the segment that starts at or
 *   before its offset, so a merged segment reads like the ones it replaces.
 * A `deleteRange` ends both: nothing is carried across it.
 */
export function compactOps(
  ops: readonly StoreOp[],
  segmentPrefix: string,
  maxMessages: number,
): StoreOp[] {
  if (ops.length < 2) return [...ops];
  const out: Array<StoreOp | undefined> = [];
  const lastByKey = new Map<string, number>();
  // The segment being grown: its slot in `out`, its value (a copy once merged).
  let open: { at: number; seg: Segment; copied: boolean } | undefined;
  for (const op of ops) {
    if (op.type === "deleteRange") {
      lastByKey.clear();
      open = undefined;
      out.push(op);
      continue;
    }
    const earlier = lastByKey.get(op.key);
    if (earlier !== undefined) {
      out[earlier] = undefined;
      if (open?.at === earlier) open = undefined;
    }
    if (op.type === "put" && op.key.startsWith(segmentPrefix)) {
      const seg = op.value as unknown as Segment;
      if (
        open &&
        open.seg.first + open.seg.msgs.length === seg.first &&
        open.seg.msgs.length + seg.msgs.length <= maxMessages
      ) {
        if (!open.copied) {
          open.seg = { ...open.seg, msgs: [...open.seg.msgs] };
          open.copied = true;
          const first = out[open.at] as { type: "put"; key: string };
          out[open.at] = { type: "put", key: first.key, value: open.seg as never };
        }
        open.seg.msgs.push(...seg.msgs);
        open.seg.bytes += seg.bytes;
        open.seg.lastAt = Math.max(open.seg.lastAt, seg.lastAt);
        continue;
      }
      open = { at: out.length, seg, copied: false };
    }
    lastByKey.set(op.key, out.length);
    out.push(op);
  }
  return out.filter((op): op is StoreOp => op !== undefined);
}
