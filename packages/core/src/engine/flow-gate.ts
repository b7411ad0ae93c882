import { type BucketState, takeTokens } from "../util/token-bucket.js";
import type { GroupSettings } from "./group-settings.js";
import type { GroupState } from "./group-state.js";
import type { StoredMessage } from "./records.js";

/** The flow key of a message for a group: its `key`, or the header the group's `flow.header` names. */
export function flowKeyOf(
  msg: StoredMessage,
  settings: GroupSettings | undefined,
): string | undefined {
  const header = settings?.flow?.header;
  if (header === undefined) return msg.key;
  const headers = msg.headers;
  return headers && Object.hasOwn(headers, header) ? headers[header] : undefined;
}

/** Delivery now; any other answer is when to look again (`Infinity`: when the key frees). */
export const NOW = 0;

/**
 * One receive's decisions for a flow-controlled group (ordered, parallelism,
 * rate per flow key), built from the group's pending entries, each of which
 * remembers its flow key. It counts what it admits, so one receive never
 * hands out two messages of a key that may have one.
 *
 * Ordered: only a key's lowest pending offset is deliverable, and only once
 * (a message leased, retrying or waiting blocks every later one of its key).
 * Parallelism: at most N of a key in flight. Rate: a token bucket per key,
 * kept in memory by the queue (it starts full after a restart).
 */
export class FlowGate {
  private readonly heads = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly admitted = new Set<string>();

  constructor(
    g: GroupState | undefined,
    private readonly settings: GroupSettings,
    private readonly buckets: Map<string, BucketState>,
    private readonly now: number,
  ) {
    if (!g) return;
    for (const [offset, p] of g.pending) {
      if (p.fk === undefined) continue;
      const head = this.heads.get(p.fk);
      if (head === undefined || offset < head) this.heads.set(p.fk, offset);
      if (p.leaseId !== 0 && p.visibleAt > now)
        this.inFlight.set(p.fk, (this.inFlight.get(p.fk) ?? 0) + 1);
    }
  }

  /** May `offset` of flow key `key` be delivered now? Counts it when yes (`NOW`). */
  admit(key: string | undefined, offset: number): number {
    if (key === undefined) return NOW;
    const { ordered, flow } = this.settings;
    if (ordered) {
      const head = this.heads.get(key);
      if ((head !== undefined && head !== offset) || this.admitted.has(key)) return Infinity;
    }
    const parallelism = ordered ? 1 : flow?.parallelism;
    if (parallelism !== undefined && (this.inFlight.get(key) ?? 0) >= parallelism) return Infinity;
    if (flow?.ratePerSecond !== undefined) {
      const rate = flow.ratePerSecond;
      const limit = { rate, burst: flow.burst ?? Math.max(1, Math.ceil(rate)) };
      const taken = takeTokens(this.buckets.get(key), limit, 1, this.now);
      if (taken.retryAfterMs > 0) return this.now + taken.retryAfterMs;
      this.buckets.set(key, taken.state);
    }
    if (ordered && !this.heads.has(key)) this.heads.set(key, offset);
    this.admitted.add(key);
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    return NOW;
  }
}
