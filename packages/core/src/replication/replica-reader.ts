import { readLog, tagFilter } from "../engine/log-reader.js";
import { toMessage } from "../engine/message-view.js";
import { fromJson, QueueKeys, type QueueMeta } from "../engine/records.js";
import { SegmentCache } from "../engine/segment-cache.js";
import { assertIntInRange, assertOffset, assertTags } from "../engine/validate.js";
import { EdgeqError } from "../errors.js";
import type { ReadResult } from "../model.js";
import type { Store } from "../store/store.js";

/**
 * Reads a queue's log by offset straight from a replica's store, which runs
 * no engine: what the replica has applied, up to the head its last batch
 * recorded (each batch is applied atomically, so that head is whole).
 */
export async function readReplica(
  store: Store,
  topic: string,
  queueId: number,
  from: number,
  limit: number,
  tags?: string[],
): Promise<ReadResult> {
  assertOffset("from", from);
  assertIntInRange("limit", limit, 1, 1000);
  assertTags(tags);
  const keys = new QueueKeys(topic, queueId);
  const raw = await store.get(keys.meta());
  if (raw === undefined) return { messages: [], nextOffset: from, headOffset: 0, minOffset: 0 };
  const meta = fromJson<QueueMeta>(raw);
  if (from < meta.minOffset || from > meta.head)
    throw new EdgeqError(
      "offset_out_of_range",
      `offset ${from} is outside [${meta.minOffset}, ${meta.head}] on this replica`,
      { details: { minOffset: meta.minOffset, maxOffset: meta.head } },
    );
  // No segment cache: a snapshot may rewrite this replica's log between two reads.
  const log = { store, keys, segments: new SegmentCache(0) };
  const { entries, next } = await readLog(log, from, meta.head, limit, tagFilter(tags));
  return {
    messages: entries
      .filter((e) => e.offset >= meta.minOffset)
      .map((e) =>
        toMessage(
          { topic, queueId, epoch: meta.epoch, offset: e.offset, reconsumeTimes: 0 },
          e.msg,
        ),
      ),
    nextOffset: Math.max(next, from),
    headOffset: meta.head,
    minOffset: meta.minOffset,
  };
}
