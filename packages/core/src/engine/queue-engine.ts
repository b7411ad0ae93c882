import type { Clock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type {
  DeadLetter,
  GroupQueueStats,
  GroupTotals,
  LeasedMessage,
  Message,
  QueueStats,
  ReadResult,
  SendResult,
  TransactionAction,
  TransactionInfo,
} from "../model.js";
import type { Store } from "../store/store.js";
import { type AppendText, appendFromText } from "./append-text.js";
import type { TopicConfig } from "./config.js";
import { groupTotals as groupTotalsOf } from "./counters.js";
import { type GroupSettings, limitsKeys } from "./group-settings.js";
import { HISTORY_MINUTES, type HistorySample, MINUTE_MS, sampleOf } from "./history.js";
import { parseMsgId } from "./ids.js";
import { type BlockedKey, Leases, type LeaseView, type ReceiveParams } from "./leases.js";
import { readLog, readOffsets, tagFilter } from "./log-reader.js";
import { Maintenance } from "./maintenance.js";
import { offsetByTime } from "./offset-by-time.js";
import { placeMessages, toStored } from "./placement.js";
import { inheritedWindowId, type ProducerScope, producerWindowId } from "./producer-scope.js";
import type { ProducerWindow } from "./producer-window.js";
import type { QueueHandle, QueueSnapshot, WaitOptions, WireRead } from "./queue-handle.js";
import { QueueState } from "./queue-state.js";
import { fromJson, isExpired, type ScheduledRecord, type StoredMessage } from "./records.js";
import { type TransactionFilter, Transactions } from "./transactions.js";
import {
  assertIntInRange,
  assertName,
  assertOffset,
  assertTags,
  isPlainObject,
  type NormalizedAppend,
} from "./validate.js";

export type { ReceiveParams } from "./leases.js";

/** What `QueueEngine.open` needs besides the store. */
export interface QueueEngineOptions {
  topic: string;
  queueId: number;
  config: TopicConfig;
  /** The engine's only source of time (see `Clock`). */
  clock: Clock;
  /** Source of the queue epoch. Default `Math.random`. */
  random?: () => number;
  /**
   * Maintain the key index behind `queryByKey`. Default true. Turning it off
   * saves one index record per keyed message on a queue nobody queries by key.
   */
  indexKeys?: boolean;
  /**
   * Bytes of decoded commitlog segments to keep between reads, so lease
   * receives and reads that walk one segment in steps decode it once.
   * Default 0 (none): readers share the cached messages, so only a host that
   * copies every result it hands out (a Durable Object, through RPC) may set it.
   */
  segmentCacheBytes?: number;
}

/**
 * One topic queue: its commitlog, producer dedup, consumer groups, leases,
 * retries, dead letters and delayed messages, over any Store. Every public
 * method validates its arguments, so any host (in-process Broker, Durable
 * Object) can call it directly; it is the TopicRouter's QueueHandle in
 * process, and long-polls wait on its own change signal. Produce, read,
 * offsets and query live here; lease mode in `Leases`, timed work in
 * `Maintenance`, shared state in `QueueState`. It reads the time only from
 * its `Clock`.
 */
export class QueueEngine implements QueueHandle {
  private readonly s: QueueState;
  private readonly leases: Leases;
  private readonly maintenance: Maintenance;
  private readonly transactions: Transactions;

  private constructor(store: Store, options: QueueEngineOptions) {
    this.s = new QueueState(store, {
      topic: options.topic,
      queueId: options.queueId,
      config: options.config,
      clock: options.clock,
      random: options.random ?? Math.random,
      indexKeys: options.indexKeys ?? true,
      segmentCacheBytes: options.segmentCacheBytes ?? 0,
    });
    this.leases = new Leases(this.s);
    this.transactions = new Transactions(this.s);
    this.maintenance = new Maintenance(this.s, this.leases, this.transactions);
  }

  /** Loads the queue's state from `store` (creating it on first use). */
  static async open(store: Store, options: QueueEngineOptions): Promise<QueueEngine> {
    const engine = new QueueEngine(store, options);
    await engine.s.load();
    return engine;
  }

  /** The topic this queue belongs to. */
  get topic(): string {
    return this.s.topic;
  }

  /** This queue's number within its topic. */
  get queueId(): number {
    return this.s.queueId;
  }

  /** The topic's settings this queue runs with. */
  get config(): TopicConfig {
    return this.s.config;
  }

  /** New settings for this queue (all but the queue count), effective at once. */
  set config(config: TopicConfig) {
    this.s.reconfigure(config);
  }

  /**
   * Appends a validated batch (or its `appendToText`, from a host across
   * RPC). Each (producerId, seq) is stored once; a retry answers `duplicate`.
   */
  async append(batch: NormalizedAppend | AppendText): Promise<SendResult[]> {
    const request = typeof batch === "string" ? appendFromText(batch) : batch;
    const { producerId, scope } = request;
    if (producerId === undefined) return this.appendTo(request, undefined);
    await this.s.ready();
    const generation = this.s.generation;
    const windowId = producerWindowId(producerId, scope);
    const window = await this.s.producers.acquire(windowId, inheritedWindowId(producerId, scope));
    try {
      return await this.appendTo(request, { id: windowId, window }, generation);
    } finally {
      this.s.producers.release(windowId);
    }
  }

  /**
   * What an append of seq `seq` in session `epoch` of a producer with epochs
   * would be now, without appending: `new` or a retry (`duplicate`); it
   * throws as `append` would refuse it (fenced, gap). `lastSeq` is the
   * highest seq the session stored (-1: none), what a retry is told.
   */
  async producerSession(
    producerId: string,
    epoch: number,
    seq: number,
  ): Promise<{ status: "new" | "duplicate"; lastSeq: number }> {
    assertName("producerId", producerId);
    assertOffset("epoch", epoch);
    assertOffset("seq", seq);
    await this.s.ready();
    const window = await this.s.producers.acquire(producerId);
    try {
      const status = window.classify(epoch, seq);
      return { status, lastSeq: epoch > window.epoch ? -1 : window.nextSeq() - 1 };
    } finally {
      this.s.producers.release(producerId);
    }
  }

  private async appendTo(
    request: NormalizedAppend,
    producer: { id: string; window: ProducerWindow } | undefined,
    generation?: number,
  ): Promise<SendResult[]> {
    const window = producer?.window;
    const { results, head } = await this.s.mutate((ops, now) => {
      const { producerId, producerEpoch } = request;
      if (window && producerEpoch !== undefined)
        window.admit(
          producerEpoch,
          request.messages.map((m) => m.seq!),
        );
      const results: SendResult[] = new Array(request.messages.length);
      const fresh: StoredMessage[] = [];
      const slots: number[] = [];
      // A seq repeated inside one batch is a duplicate of its first copy.
      const firstOfSeq = new Map<number, number>();
      const repeats: Array<[number, number]> = [];
      request.messages.forEach((m, i) => {
        const seen = window && m.seq !== undefined ? window.lookup(m.seq) : undefined;
        const earlier = window && m.seq !== undefined ? firstOfSeq.get(m.seq) : undefined;
        if (seen?.found) results[i] = this.transactions.duplicateResult(m.seq!, seen.kind, seen.n);
        else if (earlier !== undefined) repeats.push([i, earlier]);
        else {
          if (m.seq !== undefined) firstOfSeq.set(m.seq, i);
          slots.push(i);
          fresh.push(toStored(m, producerId, now));
        }
      });
      placeMessages(this.s, ops, now, fresh, window).forEach((r, j) => {
        results[slots[j]!] = r;
      });
      for (const [i, earlier] of repeats)
        results[i] = { ...results[earlier]!, status: "duplicate" };
      this.s.countDuplicates(request.messages.length - slots.length);
      if (producer) this.s.producerOps(ops, producer.id, producer.window, now);
      ops.push(this.s.metaOp());
      return { results, head: this.s.meta.head };
    }, generation);
    this.s.advanceDurableHead(head);
    return results;
  }

  /**
   * Reads up to `limit` messages from offset `from` (only those with one of
   * `tags`, when given). While the log has nothing at or past `from` yet, it
   * long-polls up to `wait.waitMs` for an append.
   */
  async read(
    from: number,
    limit: number,
    tags?: string[],
    wait: WaitOptions = {},
  ): Promise<ReadResult> {
    const { items, ...cursor } = await this.readAs(from, limit, tags, wait, (offset, msg) =>
      this.s.toMessage(offset, msg, 0),
    );
    return { messages: items, ...cursor };
  }

  /**
   * `read`, each message as the JSON text of its wire form (`toWireJson`),
   * the body spliced in as stored, neither parsed nor written again.
   */
  async readWire(
    from: number,
    limit: number,
    tags?: string[],
    wait: WaitOptions = {},
  ): Promise<WireRead> {
    const { items, ...cursor } = await this.readAs(from, limit, tags, wait, (offset, msg) =>
      this.s.toWireJson(offset, msg, 0),
    );
    return { lines: items, ...cursor };
  }

  private async readAs<T>(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait: WaitOptions,
    view: (offset: number, msg: StoredMessage) => T,
  ): Promise<ReadOf<T>> {
    assertOffset("from", from);
    assertIntInRange("limit", limit, 1, 1000);
    assertTags(tags);
    let result = await this.readNow(from, limit, tags, view);
    // Empty because nothing is there yet (not because a tag filter skipped everything).
    const empty = (r: ReadOf<T>) => r.items.length === 0 && r.nextOffset === r.headOffset;
    if (!empty(result)) return result;
    return this.longPoll(wait, async () => {
      result = await this.readNow(result.nextOffset, limit, tags, view);
      return empty(result) ? undefined : result;
    }).then(() => result);
  }

  /** The messages at `from` on that a read answers, each as `view` makes it, and the read's cursor. */
  private async readNow<T>(
    from: number,
    limit: number,
    tags: string[] | undefined,
    view: (offset: number, msg: StoredMessage) => T,
  ): Promise<ReadOf<T>> {
    await this.s.ready();
    this.assertReadable(from);
    const filter = tagFilter(tags);
    const { entries, next } = await readLog(this.s, from, this.s.durableHead, limit, filter);
    const now = this.s.clock.now();
    const minOffset = this.s.meta.minOffset;
    // An expired message is never delivered: a read by offset leaves it out, its offset a
    // gap as a tag filter's (lease-mode groups dead-letter it instead, see Leases).
    const items: T[] = [];
    for (const e of entries)
      if (e.offset >= minOffset && !isExpired(e.msg, now)) items.push(view(e.offset, e.msg));
    return { items, nextOffset: Math.max(next, from), headOffset: this.s.durableHead, minOffset };
  }

  private assertReadable(from: number): void {
    if (from < this.s.meta.minOffset || from > this.s.durableHead)
      throw new EdgeqError(
        "offset_out_of_range",
        `offset ${from} is outside [${this.s.meta.minOffset}, ${this.s.durableHead}]`,
        { details: { minOffset: this.s.meta.minOffset, maxOffset: this.s.durableHead } },
      );
  }

  /**
   * Retries `attempt` after each change of the queue until it answers, the
   * wait is over or the caller aborts; after the wait runs out it tries once
   * more. The wait is one timer, never a clock reading: the clock may be
   * manual (tests) or set once per operation by the host (Durable Objects),
   * so it cannot measure a wait.
   */
  private async longPoll<T>(
    wait: WaitOptions,
    attempt: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    const waitMs = wait.waitMs ?? 0;
    if (waitMs <= 0 || wait.signal?.aborted) return undefined;
    const over = new AbortController();
    const timer = setTimeout(() => over.abort(), waitMs);
    const abort = () => over.abort();
    wait.signal?.addEventListener("abort", abort, { once: true });
    try {
      while (!over.signal.aborted) {
        await this.s.waitForChange(over.signal);
        // A caller who went away gets nothing more (a lease now would only expire unseen).
        if (wait.signal?.aborted) return undefined;
        const got = await attempt();
        if (got !== undefined) return got;
      }
      return undefined;
    } finally {
      clearTimeout(timer);
      wait.signal?.removeEventListener("abort", abort);
    }
  }

  /** The group's committed offset; undefined until it committed one or leased from the log (retries alone do not count). */
  committedOffset(group: string): number | undefined {
    const g = this.s.groups.get(group);
    if (!g || (g.record.offset === null && g.record.cursor === null)) return undefined;
    return g.committedOffset(this.s.meta.minOffset);
  }

  /** Commits a pull consumer's offset; it never moves backwards unless `reset`. */
  async commitOffset(group: string, offset: number, reset = false): Promise<number> {
    assertName("group", group);
    assertOffset("offset", offset);
    return this.s.mutate((ops) => {
      if (offset > this.s.durableHead)
        throw new EdgeqError("offset_out_of_range", `offset ${offset} is past the head`, {
          details: { minOffset: this.s.meta.minOffset, maxOffset: this.s.durableHead },
        });
      const g = this.s.groupState(group);
      const current = g.record.offset;
      if (reset) {
        g.record.offset = offset;
        if (g.record.cursor !== null) {
          g.record.cursor = offset;
          // First deliveries behind the new cursor no longer hold the offset.
          for (const p of g.pending.values()) p.first = false;
        }
      } else if (current === null || offset > current) {
        g.record.offset = offset;
      }
      ops.push(this.s.groupOp(g));
      if (reset) for (const [o, p] of g.pending) ops.push(this.s.pendingOp(g, o, p));
      return g.committedOffset(this.s.meta.minOffset);
    });
  }

  /** The message `msgId` names, while it is retained; `not_found` otherwise. */
  async getMessage(msgId: string): Promise<Message> {
    if (typeof msgId !== "string")
      throw new EdgeqError("invalid_request", "msgId must be a string");
    await this.s.ready();
    const id = parseMsgId(msgId);
    const missing = () => new EdgeqError("not_found", `no message ${msgId}`);
    if (!id || id.epoch !== this.s.meta.epoch || id.queueId !== this.s.queueId) throw missing();
    let offset = id.n;
    if (id.kind === 1) {
      const where = await this.s.store.get(this.s.keys.sid(id.n));
      if (typeof where === "number") offset = where;
      else {
        const due = isPlainObject(where)
          ? (where.dueAt as number)
          : await this.scheduledDueOf(id.n);
        const rec =
          due === undefined ? undefined : await this.s.store.get(this.s.keys.scheduled(due, id.n));
        // Still waiting: it has no offset yet, which -1 says.
        if (rec !== undefined) return this.s.toMessage(-1, fromJson<ScheduledRecord>(rec).msg, 0);
        // Released since the first read, or never there.
        const released = await this.s.store.get(this.s.keys.sid(id.n));
        if (typeof released !== "number") throw missing();
        offset = released;
      }
    }
    if (offset < this.s.meta.minOffset || offset >= this.s.durableHead) throw missing();
    const msg = (await readOffsets(this.s, [offset])).get(offset);
    if (!msg) throw missing();
    return this.s.toMessage(offset, msg, 0);
  }

  /**
   * The due time of a delayed message of a queue older than its `sid|`
   * entries for waiting messages: a scan, a page at a time (rare: only
   * delayed messages stored before that change, and only by id).
   */
  private async scheduledDueOf(sid: number): Promise<number | undefined> {
    const prefix = this.s.keys.scheduledPrefix();
    let start = prefix;
    for (;;) {
      const page = await this.s.store.scan({ prefix, start, limit: 512 });
      for (const [, value] of page) {
        const rec = fromJson<ScheduledRecord>(value);
        if (rec.sid === sid) return rec.dueAt;
      }
      if (page.length < 512) return undefined;
      // Keys are printable ASCII: a space is the smallest character, so this is the next key.
      start = `${page[page.length - 1]![0]} `;
    }
  }

  /** Messages with `key`, oldest first, optionally within a `producedAt` window. */
  async queryByKey(
    key: string,
    limit: number,
    fromTime = 0,
    toTime = Number.MAX_SAFE_INTEGER,
  ): Promise<Message[]> {
    if (typeof key !== "string" || key.length === 0)
      throw new EdgeqError("invalid_request", "key is required");
    assertIntInRange("limit", limit, 1, 1000);
    assertIntInRange("from", fromTime, 0, Number.MAX_SAFE_INTEGER);
    assertIntInRange("to", toTime, 0, Number.MAX_SAFE_INTEGER);
    await this.s.ready();
    const rows = await this.s.store.scan({ prefix: this.s.keys.keyIndexPrefix(key) });
    const offsets = rows
      .map(([, v]) => v as number)
      .filter((o) => o >= this.s.meta.minOffset && o < this.s.durableHead);
    const bodies = await readOffsets(this.s, offsets);
    const out: Message[] = [];
    for (const offset of offsets) {
      const msg = bodies.get(offset);
      if (!msg || msg.producedAt < fromTime || msg.producedAt > toTime) continue;
      out.push(this.s.toMessage(offset, msg, 0));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The queue's offsets, size and pending work. */
  queueStats(): QueueStats {
    return {
      queueId: this.s.queueId,
      minOffset: this.s.meta.minOffset,
      headOffset: this.s.durableHead,
      scheduled: this.s.meta.scheduled ?? 0,
      bytes: this.s.meta.bytes,
      pendingTransactions: this.transactions.pendingCount(),
      totals: { ...this.s.totals },
    };
  }

  /** Stored samples from `fromMinute` on (at most HISTORY_MINUTES), then the live state's. */
  async history(fromMinute: number): Promise<HistorySample[]> {
    assertOffset("fromMinute", fromMinute);
    await this.s.ready();
    const now = Math.floor(this.s.clock.now() / MINUTE_MS);
    const start = Math.max(fromMinute, now - HISTORY_MINUTES);
    const k = this.s.keys;
    const rows = await this.s.store.scan({
      start: k.history(start),
      end: k.history(now),
      limit: HISTORY_MINUTES + 1,
    });
    return [...rows.map(([, v]) => fromJson<HistorySample>(v)), sampleOf(this.s, now)];
  }

  /** The first offset produced at or after `at` (ms), `head` when none was (offset-by-time.ts). */
  async offsetAt(at: number): Promise<number> {
    assertOffset("at", at);
    await this.s.ready();
    return offsetByTime(this.s, this.s.meta.minOffset, this.s.durableHead, at);
  }

  /** The queue's stats and every group's stats on it, at one moment. */
  snapshot(): QueueSnapshot {
    const groups = Object.fromEntries(
      Array.from(this.s.groups.keys(), (name) => [name, this.groupStats(name)]),
    );
    return { queue: this.queueStats(), groups };
  }

  /** One group's progress on this queue: committed offset, lag, in flight, retrying, dead. */
  groupStats(group: string): GroupQueueStats {
    const now = this.s.clock.now();
    const g = this.s.groups.get(group);
    const committed = g ? g.committedOffset(this.s.meta.minOffset) : this.s.meta.minOffset;
    const stats: GroupQueueStats = {
      queueId: this.s.queueId,
      committedOffset: committed,
      lag: Math.max(0, this.s.durableHead - committed),
      inFlight: g?.inFlight(now) ?? 0,
      retrying: g?.retrying(now) ?? 0,
      deadLetters: g?.record.deadLetters ?? 0,
      ...(g ? { totals: copyTotals(groupTotalsOf(g.record)) } : {}),
    };
    // Only groups that use them carry the fields of ordered and flow-controlled delivery.
    const waiting = g?.waiting() ?? 0;
    if (waiting > 0 || limitsKeys(g?.record.settings)) stats.waiting = waiting;
    if (g?.record.settings?.paused) stats.paused = true;
    return stats;
  }

  /** Random per queue, fixed at creation: part of every message id, so ids never repeat after a reset. */
  get epoch(): string {
    return this.s.meta.epoch;
  }

  /** Stops the engine: waiting long-polls answer now, and later calls fail `closed`. */
  async close(): Promise<void> {
    this.s.close();
  }

  // ── lease mode, retries, dead letters (see Leases) ─────────────────────

  /** Leases messages; while none is receivable, long-polls up to `wait.waitMs`. */
  receive(group: string, params: ReceiveParams, wait: WaitOptions = {}): Promise<LeasedMessage[]> {
    return this.receiveAs(group, params, wait, (offset, msg, reconsumeTimes, lease) => ({
      ...this.s.toMessage(offset, msg, reconsumeTimes),
      ...lease,
    }));
  }

  /**
   * `receive`, each leased message as its wire JSON (`toWireJson`), the
   * body spliced in as stored: what a host answers over HTTP without
   * building message objects.
   */
  receiveWire(group: string, params: ReceiveParams, wait: WaitOptions = {}): Promise<string[]> {
    return this.receiveAs(group, params, wait, (offset, msg, reconsumeTimes, lease) =>
      this.s.toWireJson(offset, msg, reconsumeTimes, lease),
    );
  }

  private async receiveAs<T>(
    group: string,
    params: ReceiveParams,
    wait: WaitOptions,
    view: LeaseView<T>,
  ): Promise<T[]> {
    const got = await this.leases.receive(group, params, view);
    if (got.length > 0) return got;
    const later = await this.longPoll(wait, async () => {
      const leased = await this.leases.receive(group, params, view);
      return leased.length > 0 ? leased : undefined;
    });
    return later ?? [];
  }

  /** Finishes leased messages for good; all receipts or none. */
  ack(group: string, receipts: string[]): Promise<void> {
    return this.leases.ack(group, receipts);
  }

  /** Gives leased messages back: they go to the retry schedule (or after `delayMs`). */
  nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    return this.leases.nack(group, receipts, delayMs);
  }

  /** Keeps leased messages invisible for `visibilityMs` more from now. */
  extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    return this.leases.extend(group, receipts, visibilityMs);
  }

  /** A pull consumer's failed message at `offset`, sent to the group's retry schedule. */
  sendBack(group: string, offset: number, delayMs?: number): Promise<void> {
    return this.leases.sendBack(group, offset, delayMs);
  }

  /** The group's oldest `limit` dead letters on this queue. */
  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    return this.leases.listDeadLetters(group, limit);
  }

  /** Moves up to `limit` dead letters (only `msgIds`, when given) back to the retry schedule; answers how many. */
  redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.leases.redrive(group, limit, msgIds);
  }

  /** Deletes dead letters for good (the oldest `limit`, or only `msgIds`); answers how many. */
  discardDeadLetters(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.leases.discardDeadLetters(group, limit, msgIds);
  }

  /** The group's flow keys holding messages back on this queue, most waiting first. */
  blockedKeys(group: string, limit: number): Promise<BlockedKey[]> {
    return this.leases.blockedKeys(group, limit);
  }

  /** The group's settings on this queue (`{}`: defaults). */
  groupSettings(group: string): Promise<GroupSettings> {
    return this.leases.groupSettings(group);
  }

  /** Replaces the group's settings on this queue (validated by the router: `parseGroupSettings`). */
  setGroupSettings(group: string, settings: GroupSettings): Promise<void> {
    return this.leases.setGroupSettings(group, settings);
  }

  /** Skips the group's whole backlog on this queue; answers how many messages it skipped. */
  purgeGroup(group: string): Promise<number> {
    return this.leases.purgeGroup(group);
  }

  /** Deletes every message of this queue (see `Maintenance.purge` for what stays); answers how many. */
  purge(): Promise<number> {
    return this.maintenance.purge();
  }

  /** Forgets the group on this queue (offsets, leases, retries, dead letters); answers whether it was known. */
  deleteGroup(group: string): Promise<boolean> {
    return this.leases.deleteGroup(group);
  }

  // ── transactions: half messages, decisions, check-back (see Transactions) ──

  /** Stores half messages of transaction `txId`: invisible until committed. */
  appendHalf(txId: string, batch: NormalizedAppend | AppendText): Promise<SendResult[]> {
    assertName("txId", txId);
    return this.transactions.appendHalf(
      txId,
      typeof batch === "string" ? appendFromText(batch) : batch,
    );
  }

  /** Commits (appends the half messages to the log) or rolls back; idempotent, the other way is `conflict`. */
  async endTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check" = "producer",
    scope?: ProducerScope,
  ): Promise<TransactionInfo> {
    assertName("txId", txId);
    if (action !== "commit" && action !== "rollback")
      throw new EdgeqError("invalid_request", "action must be commit or rollback");
    const { info, head } = await this.transactions.decide(txId, action, by, scope);
    this.s.advanceDurableHead(head);
    return info;
  }

  /** Undecided transactions (only those the broker is asking about, with `checkedOnly`). */
  listTransactions(filter: TransactionFilter = {}): TransactionInfo[] {
    if (filter.producerId !== undefined) assertName("producerId", filter.producerId);
    return this.transactions.list(filter);
  }

  /** Check-backs that came due at the last `tick`, each handed out once, for the host to ask. */
  takeDueChecks(): TransactionInfo[] {
    return this.transactions.takeDueChecks();
  }

  // ── timed work (see Maintenance) ───────────────────────────────────────

  /** When timed work (delays, lease expiry, retries, retention, checks) is next due; the host wakes `tick` then. */
  nextWakeUp(): number | undefined {
    return this.maintenance.nextWakeUp();
  }

  /** Runs the timed work that is due by the clock's `now()`. */
  tick(): Promise<void> {
    return this.maintenance.tick();
  }
}

/** A snapshot's own copy: the engine keeps counting in the record. */
function copyTotals(t: GroupTotals): GroupTotals {
  return { ...t, deadLettered: { ...t.deadLettered } };
}

/** A read's messages, each as a view made it, and the read's cursor. */
type ReadOf<T> = Omit<ReadResult, "messages"> & { items: T[] };
