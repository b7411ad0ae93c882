import { EdgeqError } from "../errors.js";
import type {
  DeadLetter,
  GroupStats,
  LeasedMessage,
  Message,
  ReadResult,
  SendResult,
  TopicStats,
} from "../model.js";
import { pickQueue } from "../util/hash.js";
import type { TopicConfig } from "./config.js";
import { queueOf } from "./ids.js";
import type { QueueHandle } from "./queue-handle.js";
import {
  assertIntInRange,
  assertName,
  assertOffset,
  assertReceipts,
  isPlainObject,
  type NormalizedAppend,
  normalizeAppend,
} from "./validate.js";

/** Longest long-poll any call may ask for. */
export const MAX_WAIT_MS = 30_000;
/** How long one queue is long-polled before a multi-queue receive looks at the others again. */
const RECEIVE_POLL_SLICE_MS = 1000;

export interface RouterReadOptions {
  from: number;
  /** Default 100, at most 1,000. */
  limit?: number;
  /** Long-poll up to this long, at most 30 s. Default 0. */
  waitMs?: number;
  tags?: string[];
  signal?: AbortSignal;
}

export interface RouterReceiveOptions {
  /** Default 10, at most 1,000. */
  max?: number;
  /** Default: the topic's `defaultVisibilityMs`. */
  visibilityMs?: number;
  /** Long-poll up to this long, at most 30 s. Default 0. */
  waitMs?: number;
  retriesOnly?: boolean;
  tags?: string[];
  signal?: AbortSignal;
}

/**
 * A topic over its queues, wherever they run: routes produced messages by key
 * or producer, spreads receives over the queues, sends receipts and message
 * ids to the queue they name, and sums stats. The in-process Broker and the
 * edge Worker both use it, so this logic exists once.
 */
export class TopicRouter {
  private rotation = 0;

  constructor(
    readonly topic: string,
    readonly config: TopicConfig,
    readonly queues: readonly QueueHandle[],
    private readonly now: () => number,
  ) {}

  /** Validates the whole batch first (a bad one stores nothing), then appends each part on its queue. */
  async send(request: unknown): Promise<SendResult[]> {
    const batch = normalizeAppend(request, this.config, this.now());
    const byQueue = new Map<number, { indexes: number[]; batch: NormalizedAppend }>();
    batch.messages.forEach((m, i) => {
      const queueId = pickQueue(this.queues.length, m.key, batch.producerId, () => this.rotation++);
      let part = byQueue.get(queueId);
      if (!part) {
        part = { indexes: [], batch: { ...batch, messages: [] } };
        byQueue.set(queueId, part);
      }
      part.indexes.push(i);
      part.batch.messages.push(m);
    });
    const results: SendResult[] = new Array(batch.messages.length);
    await Promise.all(
      [...byQueue].map(async ([queueId, part]) => {
        const stored = await this.queues[queueId]!.append(part.batch);
        stored.forEach((r, j) => {
          results[part.indexes[j]!] = r;
        });
      }),
    );
    return results;
  }

  async read(queueId: number, options: RouterReadOptions): Promise<ReadResult> {
    const queue = this.queue(queueId);
    assertOffset("from", options.from);
    const waitMs = assertIntInRange("waitMs", options.waitMs ?? 0, 0, MAX_WAIT_MS);
    return queue.read(options.from, options.limit ?? 100, options.tags, {
      waitMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Committed offsets of a group by queue id; queues the group never read are absent. */
  async getOffsets(group: string): Promise<Record<string, number>> {
    assertName("group", group);
    const offsets = await Promise.all(this.queues.map((q) => q.committedOffset(group)));
    const out: Record<string, number> = {};
    offsets.forEach((offset, queueId) => {
      if (offset !== undefined) out[String(queueId)] = offset;
    });
    return out;
  }

  /** Commits offsets (all validated before any is written); never backwards unless `reset`. */
  async commitOffsets(
    group: string,
    offsets: unknown,
    reset = false,
  ): Promise<Record<string, number>> {
    assertName("group", group);
    if (!isPlainObject(offsets) || Object.keys(offsets).length === 0)
      throw new EdgeqError("invalid_request", "offsets must be an object of queue id to offset");
    const entries = Object.entries(offsets).map(([q, offset]) => {
      const queue = this.queue(/^\d+$/.test(q) ? Number(q) : -1);
      assertOffset(`offsets.${q}`, offset);
      return [queue, offset] as const;
    });
    const out: Record<string, number> = {};
    for (const [queue, offset] of entries)
      out[String(queue.queueId)] = await queue.commitOffset(group, offset, reset);
    return out;
  }

  /**
   * Leases up to `max` messages across the queues, starting at a rotating
   * queue so none starves. A long-poll waits on one queue at a time, in short
   * slices, so a message arriving on any queue is picked up soon.
   */
  async receive(group: string, options: RouterReceiveOptions = {}): Promise<LeasedMessage[]> {
    assertName("group", group);
    const c = this.config;
    const max = assertIntInRange("max", options.max ?? 10, 1, 1000);
    const visibilityMs = assertIntInRange(
      "visibilityMs",
      options.visibilityMs ?? c.defaultVisibilityMs,
      1,
      c.maxVisibilityMs,
    );
    const waitMs = assertIntInRange("waitMs", options.waitMs ?? 0, 0, MAX_WAIT_MS);
    const params = {
      max,
      visibilityMs,
      retriesOnly: options.retriesOnly === true,
      ...(options.tags ? { tags: options.tags } : {}),
    };
    const signal = options.signal ? { signal: options.signal } : {};
    const deadline = Date.now() + waitMs;
    for (;;) {
      const out: LeasedMessage[] = [];
      const start = this.rotation++;
      for (let i = 0; i < this.queues.length && out.length < max; i++) {
        const queue = this.queues[(start + i) % this.queues.length]!;
        out.push(...(await queue.receive(group, { ...params, max: max - out.length }, signal)));
      }
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0 || options.signal?.aborted) return out;
      const slice = this.queues.length === 1 ? left : Math.min(left, RECEIVE_POLL_SLICE_MS);
      const queue = this.queues[start % this.queues.length]!;
      const got = await queue.receive(group, params, { waitMs: slice, ...signal });
      if (got.length > 0) return got;
    }
  }

  async ack(group: string, receipts: unknown): Promise<void> {
    return this.forReceipts(group, receipts, (queue, list) => queue.ack(group, list));
  }

  async nack(group: string, receipts: unknown, delayMs?: number): Promise<void> {
    return this.forReceipts(group, receipts, (queue, list) => queue.nack(group, list, delayMs));
  }

  async extend(group: string, receipts: unknown, visibilityMs: number): Promise<void> {
    return this.forReceipts(group, receipts, (queue, list) =>
      queue.extend(group, list, visibilityMs),
    );
  }

  async sendBack(group: string, queueId: number, offset: number, delayMs?: number): Promise<void> {
    return this.queue(queueId).sendBack(group, offset, delayMs);
  }

  /** The topic's oldest `limit` dead letters of a group: each queue's oldest, merged. */
  async listDeadLetters(group: string, limit = 100): Promise<DeadLetter[]> {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 1000);
    const all = (await Promise.all(this.queues.map((q) => q.listDeadLetters(group, limit)))).flat();
    return all.sort((a, b) => a.deadAt - b.deadAt).slice(0, limit);
  }

  async redrive(
    group: string,
    options: { limit?: number; msgIds?: string[] } = {},
  ): Promise<number> {
    assertName("group", group);
    const limit = assertIntInRange("limit", options.limit ?? 1000, 1, 100_000);
    let moved = 0;
    for (const queue of this.queues) {
      if (moved >= limit) break;
      moved += await queue.redrive(group, limit - moved, options.msgIds);
    }
    return moved;
  }

  async getMessage(msgId: string): Promise<Message> {
    const queue = typeof msgId === "string" ? this.queues[queueOf(msgId) ?? -1] : undefined;
    if (!queue) throw new EdgeqError("not_found", `no message ${String(msgId)}`);
    return queue.getMessage(msgId);
  }

  /** A key's messages all live on the queue the key hashes to, so one queue answers. */
  async queryByKey(
    key: string,
    options: { limit?: number; from?: number; to?: number } = {},
  ): Promise<Message[]> {
    if (typeof key !== "string" || key.length === 0)
      throw new EdgeqError("invalid_request", "key is required");
    const queueId = pickQueue(this.queues.length, key, undefined, () => 0);
    return this.queues[queueId]!.queryByKey(key, options.limit ?? 32, options.from, options.to);
  }

  async stats(): Promise<TopicStats> {
    const snapshots = await Promise.all(this.queues.map((q) => q.snapshot()));
    const names = new Set(snapshots.flatMap((s) => Object.keys(s.groups)));
    const groups: Record<string, GroupStats> = {};
    for (const name of [...names].sort()) {
      const queues = snapshots.map((s, queueId) => {
        const g = s.groups[name];
        if (g) return g;
        // A queue this group never touched: nothing consumed, everything retained is lag.
        const { minOffset, headOffset } = s.queue;
        return {
          queueId,
          committedOffset: minOffset,
          lag: headOffset - minOffset,
          inFlight: 0,
          retrying: 0,
          deadLetters: 0,
        };
      });
      groups[name] = {
        committedOffsets: Object.fromEntries(
          queues.map((q) => [String(q.queueId), q.committedOffset]),
        ),
        lag: sum(queues, "lag"),
        inFlight: sum(queues, "inFlight"),
        retrying: sum(queues, "retrying"),
        deadLetters: sum(queues, "deadLetters"),
        queues,
      };
    }
    return { topic: this.topic, queues: snapshots.map((s) => s.queue), groups };
  }

  private queue(queueId: number): QueueHandle {
    const queue = Number.isInteger(queueId) ? this.queues[queueId] : undefined;
    if (!queue) throw new EdgeqError("not_found", `topic ${this.topic} has no queue ${queueId}`);
    return queue;
  }

  private async forReceipts(
    group: string,
    receipts: unknown,
    apply: (queue: QueueHandle, receipts: string[]) => Promise<void>,
  ): Promise<void> {
    assertName("group", group);
    const list = assertReceipts(receipts);
    const byQueue = new Map<QueueHandle, string[]>();
    const unknown: string[] = [];
    for (const receipt of list) {
      const queue = this.queues[queueOf(receipt) ?? -1];
      if (!queue) unknown.push(receipt);
      else byQueue.set(queue, [...(byQueue.get(queue) ?? []), receipt]);
    }
    if (unknown.length)
      throw new EdgeqError("not_found", `unknown receipt: ${unknown[0]}`, {
        details: { receipts: unknown },
      });
    // Each queue's part is all-or-nothing; a call that spans queues is applied queue by queue.
    for (const [queue, part] of byQueue) await apply(queue, part);
  }
}

function sum<K extends string>(rows: Array<Record<K, number>>, key: K): number {
  return rows.reduce((n, r) => n + r[key], 0);
}
