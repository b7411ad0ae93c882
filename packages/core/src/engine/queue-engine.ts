import type { Clock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type {
  DeadLetter,
  GroupQueueStats,
  LeasedMessage,
  Message,
  QueueStats,
  ReadResult,
  SendResult,
  TransactionAction,
  TransactionInfo,
} from "../model.js";
import type { Store } from "../store/store.js";
import type { TopicConfig } from "./config.js";
import { parseMsgId } from "./ids.js";
import { Leases, type ReceiveParams } from "./leases.js";
import { readLog, readOffsets, tagFilter } from "./log-reader.js";
import { Maintenance } from "./maintenance.js";
import { placeMessages, toStored } from "./placement.js";
import { QueueState } from "./queue-state.js";
import { fromJson, type ScheduledRecord, type StoredMessage } from "./records.js";
import { Transactions } from "./transactions.js";
import {
  assertIntInRange,
  assertName,
  assertOffset,
  assertTags,
  type NormalizedAppend,
} from "./validate.js";

export type { ReceiveParams } from "./leases.js";

export interface QueueEngineOptions {
  topic: string;
  queueId: number;
  config: TopicConfig;
  clock: Clock;
  /** Source of the queue epoch. Default `Math.random`. */
  random?: () => number;
  /** Maintain the key index behind `queryByKey`. Default true; an outbox that never queries by key turns it off. */
  indexKeys?: boolean;
}

/**
 * One topic queue: its commitlog, producer dedup, consumer groups, leases,
 * retries, dead letters and delayed messages, over any Store. Every public
 * method validates its arguments, so any host (in-process Broker, Durable
 * Object) can call it directly. Produce, read, offsets and query live here;
 * lease mode in `Leases`, timed work in `Maintenance`, shared state in `QueueState`.
 */
export class QueueEngine {
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
    });
    this.leases = new Leases(this.s);
    this.transactions = new Transactions(this.s);
    this.maintenance = new Maintenance(this.s, this.leases, this.transactions);
  }

  static async open(store: Store, options: QueueEngineOptions): Promise<QueueEngine> {
    const engine = new QueueEngine(store, options);
    await engine.s.load();
    return engine;
  }

  get topic(): string {
    return this.s.topic;
  }

  get queueId(): number {
    return this.s.queueId;
  }

  get config(): TopicConfig {
    return this.s.config;
  }

  /** New settings for this queue (all but the queue count), effective at once. */
  set config(config: TopicConfig) {
    this.s.config = config;
  }

  /** Appends a validated batch. Each (producerId, seq) is stored once; a retry answers `duplicate`. */
  async append(request: NormalizedAppend): Promise<SendResult[]> {
    const { results, head } = await this.s.mutate((ops, now) => {
      const { producerId } = request;
      const window = producerId === undefined ? undefined : this.s.producerWindow(producerId);
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
      if (window && producerId !== undefined) ops.push(this.s.producerOp(producerId, window, now));
      ops.push(this.s.metaOp());
      return { results, head: this.s.meta.head };
    });
    this.s.advanceDurableHead(head);
    return results;
  }

  async read(from: number, limit: number, tags?: string[]): Promise<ReadResult> {
    assertOffset("from", from);
    assertIntInRange("limit", limit, 1, 1000);
    assertTags(tags);
    await this.s.ready();
    this.assertReadable(from);
    const filter = tagFilter(tags);
    const { entries, next } = await readLog(
      this.s.store,
      this.s.keys,
      from,
      this.s.durableHead,
      limit,
      filter,
    );
    const minOffset = this.s.meta.minOffset;
    const messages = entries
      .filter((e) => e.offset >= minOffset)
      .map((e) => this.s.toMessage(e.offset, e.msg, 0));
    return {
      messages,
      nextOffset: Math.max(next, from),
      headOffset: this.s.durableHead,
      minOffset,
    };
  }

  private assertReadable(from: number): void {
    if (from < this.s.meta.minOffset || from > this.s.durableHead)
      throw new EdgeqError(
        "offset_out_of_range",
        `offset ${from} is outside [${this.s.meta.minOffset}, ${this.s.durableHead}]`,
        { details: { minOffset: this.s.meta.minOffset, maxOffset: this.s.durableHead } },
      );
  }

  /** Resolves when a message is appended at or past `offset`, or after `ms`, or on abort. */
  waitForAppend(offset: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.s.durableHead > offset || ms <= 0) return Promise.resolve();
    return this.s.waitForChange(ms, signal);
  }

  /** Long-poll for lease mode: resolves when something may have become receivable, or after `ms`. */
  waitForReceivable(ms: number, signal?: AbortSignal): Promise<void> {
    return ms <= 0 ? Promise.resolve() : this.s.waitForChange(ms, signal);
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

  async getMessage(msgId: string): Promise<Message> {
    if (typeof msgId !== "string")
      throw new EdgeqError("invalid_request", "msgId must be a string");
    await this.s.ready();
    const id = parseMsgId(msgId);
    const missing = () => new EdgeqError("not_found", `no message ${msgId}`);
    if (!id || id.epoch !== this.s.meta.epoch || id.queueId !== this.s.queueId) throw missing();
    let offset = id.n;
    if (id.kind === 1) {
      const due = this.s.scheduled.get(id.n);
      if (due !== undefined) {
        const rec = await this.s.store.get(this.s.keys.scheduled(due, id.n));
        // Still waiting: it has no offset yet, which -1 says.
        if (rec !== undefined) return this.s.toMessage(-1, fromJson<ScheduledRecord>(rec).msg, 0);
      }
      const released = await this.s.store.get(this.s.keys.sid(id.n));
      if (typeof released !== "number") throw missing();
      offset = released;
    }
    if (offset < this.s.meta.minOffset || offset >= this.s.durableHead) throw missing();
    const msg = (await readOffsets(this.s.store, this.s.keys, [offset])).get(offset);
    if (!msg) throw missing();
    return this.s.toMessage(offset, msg, 0);
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
    const bodies = await readOffsets(this.s.store, this.s.keys, offsets);
    const out: Message[] = [];
    for (const offset of offsets) {
      const msg = bodies.get(offset);
      if (!msg || msg.producedAt < fromTime || msg.producedAt > toTime) continue;
      out.push(this.s.toMessage(offset, msg, 0));
      if (out.length >= limit) break;
    }
    return out;
  }

  queueStats(): QueueStats {
    return {
      queueId: this.s.queueId,
      minOffset: this.s.meta.minOffset,
      headOffset: this.s.durableHead,
      scheduled: this.s.scheduled.size,
      bytes: this.s.meta.bytes,
      pendingTransactions: this.transactions.pendingCount(),
    };
  }

  /** The queue's stats and every group's stats on it, at one moment. */
  snapshot(): { queue: QueueStats; groups: Record<string, GroupQueueStats> } {
    const groups: Record<string, GroupQueueStats> = {};
    for (const name of this.s.groups.keys()) groups[name] = this.groupStats(name);
    return { queue: this.queueStats(), groups };
  }

  groupStats(group: string): GroupQueueStats {
    const now = this.s.clock.now();
    const g = this.s.groups.get(group);
    const committed = g ? g.committedOffset(this.s.meta.minOffset) : this.s.meta.minOffset;
    return {
      queueId: this.s.queueId,
      committedOffset: committed,
      lag: Math.max(0, this.s.durableHead - committed),
      inFlight: g?.inFlight(now) ?? 0,
      retrying: g?.retrying(now) ?? 0,
      deadLetters: g?.record.deadLetters ?? 0,
    };
  }

  get epoch(): string {
    return this.s.meta.epoch;
  }

  async close(): Promise<void> {
    this.s.closed = true;
    this.s.notify();
  }

  // ── lease mode, retries, dead letters (see Leases) ─────────────────────

  receive(group: string, params: ReceiveParams): Promise<LeasedMessage[]> {
    return this.leases.receive(group, params);
  }

  ack(group: string, receipts: string[]): Promise<void> {
    return this.leases.ack(group, receipts);
  }

  nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    return this.leases.nack(group, receipts, delayMs);
  }

  extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    return this.leases.extend(group, receipts, visibilityMs);
  }

  sendBack(group: string, offset: number, delayMs?: number): Promise<void> {
    return this.leases.sendBack(group, offset, delayMs);
  }

  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    return this.leases.listDeadLetters(group, limit);
  }

  redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.leases.redrive(group, limit, msgIds);
  }

  // ── transactions: half messages, decisions, check-back (see Transactions) ──

  /** Stores half messages of transaction `txId`: invisible until committed. */
  appendHalf(txId: string, request: NormalizedAppend): Promise<SendResult[]> {
    assertName("txId", txId);
    return this.transactions.appendHalf(txId, request);
  }

  /** Commits (appends the half messages to the log) or rolls back; idempotent, the other way is `conflict`. */
  async decideTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check" = "producer",
  ): Promise<TransactionInfo> {
    assertName("txId", txId);
    if (action !== "commit" && action !== "rollback")
      throw new EdgeqError("invalid_request", "action must be commit or rollback");
    const { info, head } = await this.transactions.decide(txId, action, by);
    this.s.advanceDurableHead(head);
    return info;
  }

  /** Undecided transactions (only those the broker is asking about, with `checkedOnly`). */
  listTransactions(filter: { producerId?: string; checkedOnly?: boolean } = {}): TransactionInfo[] {
    if (filter.producerId !== undefined) assertName("producerId", filter.producerId);
    return this.transactions.list(filter);
  }

  /** Check-backs that came due at the last `tick`, each handed out once, for the host to ask. */
  takeDueChecks(): TransactionInfo[] {
    return this.transactions.takeDueChecks();
  }

  // ── timed work (see Maintenance) ───────────────────────────────────────

  nextWakeUp(): number | undefined {
    return this.maintenance.nextWakeUp();
  }

  tick(): Promise<void> {
    return this.maintenance.tick();
  }
}
