import type { Clock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type {
  DeadLetter,
  GroupStats,
  LeasedMessage,
  Message,
  ReadResult,
  SendResult,
  TopicStats,
  TransactionInfo,
} from "../model.js";
import { fnv1a, pickQueue } from "../util/hash.js";
import { ownValue } from "../util/own.js";
import { CALL_DEFAULTS, MAX_WAIT_MS, type TopicConfig } from "./config.js";
import { type GroupSettings, parseGroupSettings } from "./group-settings.js";
import { HISTORY_MINUTES, MINUTE_MS, mergeHistory, type TopicHistory } from "./history.js";
import { parseMsgId, parseReceipt, queueOf } from "./ids.js";
import type { BlockedKey, ReceiveParams } from "./leases.js";
import { type ProducerScope, producerWindowId } from "./producer-scope.js";
import type { QueueHandle, WaitOptions, WireRead } from "./queue-handle.js";
import { RouterRotations } from "./rotations.js";
import {
  assertIntInRange,
  assertName,
  assertOffset,
  assertReceipts,
  isPlainObject,
  type NormalizedAppend,
  normalizeAppend,
} from "./validate.js";

/**
 * The rotations of routers made without their own: one per process, or per
 * isolate at the edge, where a router lives for one request (see `RouterRotations`).
 */
const sharedRotations = new RouterRotations();

/** How long one queue is long-polled before a multi-queue receive looks at the others again. */
const RECEIVE_POLL_SLICE_MS = 1000;

/** A read's options (`TopicRouter.read`). */
export interface RouterReadOptions {
  from: number;
  /** Default `CALL_DEFAULTS.readLimit` (100), at most 1,000. */
  limit?: number;
  /** Long-poll up to this long, at most 30 s. Default 0. */
  waitMs?: number;
  tags?: string[];
  signal?: AbortSignal;
}

/** A receive's options (`TopicRouter.receive`). */
export interface RouterReceiveOptions {
  /** Default `CALL_DEFAULTS.receiveMax` (10), at most 1,000. */
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
 * edge Worker both use it, so this logic exists once. It validates every
 * argument, applies `CALL_DEFAULTS`, and reads the time only from `clock`.
 */
export class TopicRouter {
  constructor(
    readonly topic: string,
    readonly config: TopicConfig,
    readonly queues: readonly QueueHandle[],
    private readonly clock: Clock,
    /**
     * Where anonymous sends and each group's receives take turns over the
     * queues; it must outlive the router. Default: one shared by every router
     * of this process (at the edge, of this isolate), whose turns start at
     * random queues.
     */
    private readonly rotations: RouterRotations = sharedRotations,
  ) {}

  /**
   * Validates the whole batch first (a bad one stores nothing), then appends
   * each part on its queue. With `transactional: true` the messages are half
   * messages of one transaction (see `sendHalf`). `scope` says whose producer
   * the request's `producerId` is (see `ProducerScope`). `admit`, awaited
   * once the batch is valid and before anything is stored, may refuse it (a
   * rate limit): a request refused for its content costs no quota.
   */
  async send(
    request: unknown,
    scope?: ProducerScope,
    admit?: (messageCount: number) => Promise<void>,
  ): Promise<SendResult[]> {
    const transactional = isPlainObject(request) ? request.transactional : undefined;
    if (transactional !== undefined && typeof transactional !== "boolean")
      throw new EdgeqError("invalid_request", "transactional must be a boolean");
    const normalized = normalizeAppend(request, this.config, this.clock.now());
    const batch = scope === undefined ? normalized : { ...normalized, scope };
    await admit?.(batch.messages.length);
    if (transactional) return this.sendHalf(batch);
    const parts = this.partition(batch);
    // Gapless seqs are per queue: a batch split over queues would leave a gap on each.
    if (batch.producerEpoch !== undefined && parts.size > 1)
      throw new EdgeqError(
        "invalid_request",
        "a batch of a producer with an epoch must route to one queue (its keys span several)",
      );
    const results: SendResult[] = new Array(batch.messages.length);
    await Promise.all(
      [...parts].map(async ([queueId, part]) => {
        const stored = await this.queues[queueId]!.append(part.batch);
        stored.forEach((r, j) => {
          results[part.indexes[j]!] = r;
        });
      }),
    );
    return results;
  }

  /**
   * Splits a batch by the queue each message routes to, remembering each
   * one's place. A key picks its queue, a producer's unkeyed messages stick to
   * the producer's queue; anonymous messages take the topic's turns one by
   * one, within a batch and across batches (and, at the edge, requests).
   */
  private partition(
    batch: NormalizedAppend,
  ): Map<number, { indexes: number[]; batch: NormalizedAppend }> {
    const byQueue = new Map<number, { indexes: number[]; batch: NormalizedAppend }>();
    const nextAnonymous = () => this.rotations.nextSend(this.topic, this.queues.length);
    batch.messages.forEach((m, i) => {
      const queueId = pickQueue(this.queues.length, m.key, batch.producerId, nextAnonymous);
      let part = byQueue.get(queueId);
      if (!part) {
        part = { indexes: [], batch: { ...batch, messages: [] } };
        byQueue.set(queueId, part);
      }
      part.indexes.push(i);
      part.batch.messages.push(m);
    });
    return byQueue;
  }

  /**
   * A transaction spans the queues its messages route to, and its id names
   * them (`<producer hash>-<first seq>.<queue>_<queue>`), so a decision finds
   * every part without asking anyone. The id is derived from the producer
   * (in its scope) and its first seq, so a retried send lands in the same
   * transaction, and another principal's producer of the same name in another.
   */
  private async sendHalf(batch: NormalizedAppend): Promise<SendResult[]> {
    const { producerId } = batch;
    const firstSeq = batch.messages[0]?.seq;
    if (batch.producerEpoch !== undefined)
      throw new EdgeqError("invalid_request", "a transactional send takes no producerEpoch");
    if (
      producerId === undefined ||
      firstSeq === undefined ||
      batch.messages.some((m) => m.seq === undefined)
    )
      throw new EdgeqError(
        "invalid_request",
        "a transactional send needs a producerId and a seq on every message",
      );
    const parts = this.partition(batch);
    const queueIds = [...parts.keys()].sort((a, b) => a - b);
    const id = producerWindowId(producerId, batch.scope);
    const hash = `${fnv1a(id).toString(36)}${fnv1a(`${id}#`).toString(36)}`;
    const txId = `${hash}-${firstSeq.toString(36)}.${queueIds.join("_")}`;
    const results: SendResult[] = new Array(batch.messages.length);
    await Promise.all(
      [...parts].map(async ([queueId, part]) => {
        const stored = await this.queues[queueId]!.appendHalf(txId, part.batch);
        stored.forEach((r, j) => {
          results[part.indexes[j]!] = r;
        });
      }),
    );
    return results;
  }

  /**
   * Commits or rolls back every part of a transaction; repeating a decision
   * is harmless. With `scope`, only a transaction of that scope's producers
   * (another's is `not_found`).
   */
  async endTransaction(
    txId: unknown,
    action: unknown,
    by: "producer" | "check" = "producer",
    scope?: ProducerScope,
  ): Promise<TransactionInfo> {
    assertName("txId", txId);
    if (action !== "commit" && action !== "rollback")
      throw new EdgeqError("invalid_request", "action must be commit or rollback");
    const infos = await Promise.all(
      this.transactionQueues(txId).map((q) =>
        this.queue(q).endTransaction(txId, action, by, scope),
      ),
    );
    return mergeTransactions(infos)[0]!;
  }

  /**
   * Undecided transactions; `state: "unknown"` only those the broker is
   * checking back; with `scope`, only those of that scope's producers.
   */
  async listTransactions(
    filter: { producerId?: unknown; state?: unknown; scope?: ProducerScope } = {},
  ): Promise<TransactionInfo[]> {
    const { producerId, state, scope } = filter;
    if (producerId !== undefined) assertName("producerId", producerId);
    if (state !== undefined && state !== "unknown" && state !== "pending")
      throw new EdgeqError("invalid_request", "state must be unknown or pending");
    const perQueue = await Promise.all(
      this.queues.map((q) =>
        q.listTransactions({
          ...(producerId === undefined ? {} : { producerId }),
          ...(scope === undefined ? {} : { scope }),
          checkedOnly: state === "unknown",
        }),
      ),
    );
    return mergeTransactions(perQueue.flat());
  }

  /** The queues a transaction id names; anything else is `not_found`. */
  private transactionQueues(txId: string): number[] {
    const dot = txId.lastIndexOf(".");
    const ids =
      dot < 0
        ? []
        : txId
            .slice(dot + 1)
            .split("_")
            .map(Number);
    if (
      ids.length === 0 ||
      ids.some((q) => !Number.isInteger(q) || q < 0 || q >= this.queues.length)
    )
      throw new EdgeqError("not_found", `no transaction ${txId}`);
    return ids;
  }

  /** Reads one queue from an offset, long-polling up to `waitMs` while nothing is there yet. */
  async read(queueId: number, options: RouterReadOptions): Promise<ReadResult> {
    return this.readFrom(queueId, options, (queue, limit, wait) =>
      queue.read(options.from, limit, options.tags, wait),
    );
  }

  /**
   * `read`, each message as the JSON text of its wire form, made where the
   * queue lives (`QueueHandle.readWire`): what an HTTP answer splices in as it is.
   */
  async readWire(queueId: number, options: RouterReadOptions): Promise<WireRead> {
    return this.readFrom(queueId, options, (queue, limit, wait) =>
      queue.readWire(options.from, limit, options.tags, wait),
    );
  }

  private readFrom<T>(
    queueId: number,
    options: RouterReadOptions,
    take: (queue: QueueHandle, limit: number, wait: WaitOptions) => Promise<T>,
  ): Promise<T> {
    const queue = this.queue(queueId);
    assertOffset("from", options.from);
    const waitMs = assertIntInRange("waitMs", options.waitMs ?? 0, 0, MAX_WAIT_MS);
    return take(queue, options.limit ?? CALL_DEFAULTS.readLimit, {
      waitMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Committed offsets of a group by queue id; queues the group never read are absent. */
  async getOffsets(group: string): Promise<Record<string, number>> {
    assertName("group", group);
    const offsets = await Promise.all(this.queues.map((q) => q.committedOffset(group)));
    return Object.fromEntries(
      offsets.flatMap((offset, queueId) =>
        offset === undefined ? [] : [[String(queueId), offset]],
      ),
    );
  }

  /**
   * Per queue, the first offset whose message was produced at or after `at`
   * (ms since the epoch), the head when none was: where a group reset "to a
   * time" starts (docs/protocol.md, Consumer group offsets).
   */
  async offsetsAt(at: number): Promise<Record<string, number>> {
    assertOffset("at", at);
    const offsets = await Promise.all(this.queues.map((q) => q.offsetAt(at)));
    return Object.fromEntries(offsets.map((offset, queueId) => [String(queueId), offset]));
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
      // A queue id is a number: anything else is a malformed request, not an unknown queue.
      if (!/^\d{1,6}$/.test(q))
        throw new EdgeqError("invalid_request", "offsets keys must be queue ids (integers)", {
          details: { field: "offsets" },
        });
      const queue = this.queue(Number(q));
      assertOffset(`offsets.${q}`, offset);
      return [queue, offset] as const;
    });
    const out: Array<[string, number]> = [];
    for (const [queue, offset] of entries)
      out.push([String(queue.queueId), await queue.commitOffset(group, offset, reset)]);
    return Object.fromEntries(out);
  }

  /**
   * Leases up to `max` messages across the queues, taking turns per group: a
   * receive starts at the queue after the last one that served the group's
   * previous receive and goes round until `max` is filled, so every queue with
   * deliverable messages is served within `queueCount` receives, however
   * deep the others' backlogs (retries and expired leases included: they come
   * first within their queue, not across the topic). A long-poll waits on one
   * queue at a time, in short slices, so a message arriving on any queue is
   * picked up soon. The slices are counted, not timed: each queue's wait is
   * its own timer.
   */
  receive(group: string, options: RouterReceiveOptions = {}): Promise<LeasedMessage[]> {
    return this.receiveFrom(group, options, (queue, params, wait) =>
      queue.receive(group, params, wait),
    );
  }

  /**
   * `receive`, each leased message as the JSON text of its wire form, made
   * where its queue lives (`QueueHandle.receiveWire`): what an HTTP answer
   * splices in as it is.
   */
  receiveWire(group: string, options: RouterReceiveOptions = {}): Promise<string[]> {
    return this.receiveFrom(group, options, (queue, params, wait) =>
      queue.receiveWire(group, params, wait),
    );
  }

  private async receiveFrom<T>(
    group: string,
    options: RouterReceiveOptions,
    take: (queue: QueueHandle, params: ReceiveParams, wait: WaitOptions) => Promise<T[]>,
  ): Promise<T[]> {
    assertName("group", group);
    const c = this.config;
    const max = assertIntInRange("max", options.max ?? CALL_DEFAULTS.receiveMax, 1, 1000);
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
    const n = this.queues.length;
    const start = this.rotations.receiveStart(this.topic, group, n);
    let left = waitMs;
    for (let round = 0; ; round++) {
      const out: T[] = [];
      let last: number | undefined;
      for (let i = 0; i < n && out.length < max; i++) {
        const queueId = (start + i) % n;
        const got = await take(this.queues[queueId]!, { ...params, max: max - out.length }, signal);
        if (got.length > 0) last = queueId;
        out.push(...got);
      }
      if (last !== undefined) this.rotations.served(this.topic, group, last, n);
      if (out.length > 0 || left <= 0 || options.signal?.aborted) return out;
      const slice = n === 1 ? left : Math.min(left, RECEIVE_POLL_SLICE_MS);
      left -= slice;
      const queueId = (start + round) % n;
      const got = await take(this.queues[queueId]!, params, { waitMs: slice, ...signal });
      if (got.length > 0) {
        this.rotations.served(this.topic, group, queueId, n);
        return got;
      }
    }
  }

  /** Finishes leased messages; each receipt goes to the queue it names. */
  async ack(group: string, receipts: unknown): Promise<void> {
    return this.forReceipts(group, receipts, (queue, list) => queue.ack(group, list));
  }

  /** Gives leased messages back to their group's retry schedule (or after `delayMs`). */
  async nack(group: string, receipts: unknown, delayMs?: number): Promise<void> {
    return this.forReceipts(group, receipts, (queue, list) => queue.nack(group, list, delayMs));
  }

  /** Keeps leased messages invisible for `visibilityMs` more. */
  async extend(group: string, receipts: unknown, visibilityMs: number): Promise<void> {
    return this.forReceipts(group, receipts, (queue, list) =>
      queue.extend(group, list, visibilityMs),
    );
  }

  /** A pull consumer's failed message, sent to the group's retry schedule. */
  async sendBack(group: string, queueId: number, offset: number, delayMs?: number): Promise<void> {
    return this.queue(queueId).sendBack(group, offset, delayMs);
  }

  /** The topic's oldest `limit` dead letters of a group: each queue's oldest, merged. */
  async listDeadLetters(
    group: string,
    limit: number = CALL_DEFAULTS.deadLetterLimit,
  ): Promise<DeadLetter[]> {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 1000);
    const all = (await Promise.all(this.queues.map((q) => q.listDeadLetters(group, limit)))).flat();
    return all.sort((a, b) => a.deadAt - b.deadAt).slice(0, limit);
  }

  /** Moves dead letters back to the retry schedule, queue by queue, up to `limit` in all. */
  redrive(group: string, options: { limit?: number; msgIds?: string[] } = {}): Promise<number> {
    return this.eachDeadLetterQueue(group, options, (queue, left, msgIds) =>
      queue.redrive(group, left, msgIds),
    );
  }

  /**
   * Runs a dead-letter call queue by queue until `limit` (default the
   * redrive limit) dead letters are done in all; answers how many were.
   */
  private async eachDeadLetterQueue(
    group: string,
    options: { limit?: number; msgIds?: string[] },
    apply: (queue: QueueHandle, left: number, msgIds?: string[]) => Promise<number>,
  ): Promise<number> {
    assertName("group", group);
    const limit = assertIntInRange(
      "limit",
      options.limit ?? CALL_DEFAULTS.redriveLimit,
      1,
      100_000,
    );
    let done = 0;
    for (const queue of this.queues) {
      if (done >= limit) break;
      done += await apply(queue, limit - done, options.msgIds);
    }
    return done;
  }

  /** The group's flow keys that hold messages back, on every queue, most waiting first (at most `limit`). */
  async blockedKeys(group: string, limit = 100): Promise<BlockedKey[]> {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 1000);
    const all = (await Promise.all(this.queues.map((q) => q.blockedKeys(group, limit)))).flat();
    return all.sort((a, b) => b.waiting - a.waiting || (a.key < b.key ? -1 : 1)).slice(0, limit);
  }

  /** A group's settings (`{}`: defaults), as its first queue holds them (every queue holds the same). */
  async groupSettings(group: string): Promise<GroupSettings> {
    assertName("group", group);
    return this.queues[0]!.groupSettings(group);
  }

  /**
   * Replaces a group's settings on every queue (docs/protocol.md, "Group
   * settings"); validated first, so a bad one changes nothing. Answers them.
   */
  async setGroupSettings(group: string, raw: unknown): Promise<GroupSettings> {
    assertName("group", group);
    const settings = parseGroupSettings(raw, this.config.maxDelayMs);
    await Promise.all(this.queues.map((q) => q.setGroupSettings(group, settings)));
    return settings;
  }

  /** Skips a group's whole backlog on every queue; answers how many messages it skipped. */
  async purgeGroup(group: string): Promise<number> {
    assertName("group", group);
    const counts = await Promise.all(this.queues.map((q) => q.purgeGroup(group)));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Deletes every message of the topic (see `QueueEngine.purge` for what stays); answers how many. */
  async purge(): Promise<number> {
    const counts = await Promise.all(this.queues.map((q) => q.purge()));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Deletes the group from every queue (docs/protocol.md, "Dead letters and
   * stats"); `not_found` when no queue knew it. Each queue's part is atomic,
   * so a retry after a partial failure finishes the job.
   */
  async deleteGroup(group: string): Promise<void> {
    assertName("group", group);
    const known = await Promise.all(this.queues.map((q) => q.deleteGroup(group)));
    if (!known.includes(true))
      throw new EdgeqError("not_found", `topic ${this.topic} has no group ${group}`);
  }

  /** Deletes dead letters for good, queue by queue, up to `limit` in all (only `msgIds`, when given). */
  discardDeadLetters(
    group: string,
    options: { limit?: number; msgIds?: string[] } = {},
  ): Promise<number> {
    return this.eachDeadLetterQueue(group, options, (queue, left, msgIds) =>
      queue.discardDeadLetters(group, left, msgIds),
    );
  }

  /** The message `msgId` names, from the queue the id names. */
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
    return this.queues[queueId]!.queryByKey(
      key,
      options.limit ?? CALL_DEFAULTS.queryLimit,
      options.from,
      options.to,
    );
  }

  /**
   * The last `minutes` minutes (1 to HISTORY_MINUTES, the current one
   * included) of lag per group and the running totals, one value a minute,
   * summed over the queues; `unavailable` when a queue keeps no history.
   */
  async history(minutes: number): Promise<TopicHistory> {
    assertIntInRange("minutes", minutes, 1, HISTORY_MINUTES);
    const now = Math.floor(this.clock.now() / MINUTE_MS);
    const from = now - minutes + 1;
    const perQueue = await Promise.all(
      this.queues.map((q) => {
        if (!q.history) throw new EdgeqError("unavailable", "this broker keeps no history");
        return q.history(from);
      }),
    );
    // Each queue's live sample is its own "now": the latest of them ends the series.
    const to = Math.max(now, ...perQueue.map((s) => s.at(-1)?.m ?? now));
    return mergeHistory(this.topic, perQueue, to - minutes + 1, to);
  }

  /** The topic's queues and every group's progress, summed over the queues. */
  async stats(): Promise<TopicStats> {
    const snapshots = await Promise.all(this.queues.map((q) => q.snapshot()));
    const names = new Set(snapshots.flatMap((s) => Object.keys(s.groups)));
    const groups: Array<[string, GroupStats]> = [];
    for (const name of [...names].sort()) {
      const queues = snapshots.map((s, queueId) => {
        const g = ownValue(s.groups, name);
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
      groups.push([
        name,
        {
          committedOffsets: Object.fromEntries(
            queues.map((q) => [String(q.queueId), q.committedOffset]),
          ),
          lag: sum(queues, "lag"),
          inFlight: sum(queues, "inFlight"),
          retrying: sum(queues, "retrying"),
          deadLetters: sum(queues, "deadLetters"),
          ...(queues.some((q) => q.waiting !== undefined)
            ? { waiting: queues.reduce((n, q) => n + (q.waiting ?? 0), 0) }
            : {}),
          ...(queues.some((q) => q.paused) ? { paused: true as const } : {}),
          queues,
        },
      ]);
    }
    return {
      topic: this.topic,
      queues: snapshots.map((s) => s.queue),
      groups: Object.fromEntries(groups),
    };
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
      // A receipt first: that is what callers send (a msgId, routed as before, is refused by its queue).
      const queue =
        this.queues[parseReceipt(receipt)?.queueId ?? parseMsgId(receipt)?.queueId ?? -1];
      if (!queue) unknown.push(receipt);
      else {
        const part = byQueue.get(queue);
        if (part) part.push(receipt);
        else byQueue.set(queue, [receipt]);
      }
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

/** One entry per transaction: the parts from each queue joined (messages, results, checks). */
function mergeTransactions(infos: TransactionInfo[]): TransactionInfo[] {
  const byId = new Map<string, TransactionInfo>();
  for (const info of infos) {
    const seen = byId.get(info.txId);
    if (!seen) {
      byId.set(info.txId, { ...info, messages: [...info.messages] });
      continue;
    }
    seen.messages.push(...info.messages);
    seen.checks = Math.max(seen.checks, info.checks);
    if (info.results) seen.results = [...(seen.results ?? []), ...info.results];
  }
  return [...byId.values()].sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * The router's calls a Broker serves by topic name (`Broker`'s
 * BrokerRouterCalls): a call added here needs nothing written in broker.ts.
 */
export const ROUTER_VERBS = [
  "send",
  "read",
  "getOffsets",
  "offsetsAt",
  "commitOffsets",
  "receive",
  "ack",
  "nack",
  "extend",
  "sendBack",
  "listDeadLetters",
  "redrive",
  "discardDeadLetters",
  "blockedKeys",
  "groupSettings",
  "setGroupSettings",
  "purgeGroup",
  "purge",
  "deleteGroup",
  "getMessage",
  "queryByKey",
  "endTransaction",
  "listTransactions",
  "stats",
  "history",
] as const satisfies readonly (keyof TopicRouter)[];

/** One of ROUTER_VERBS. */
export type RouterVerb = (typeof ROUTER_VERBS)[number];
