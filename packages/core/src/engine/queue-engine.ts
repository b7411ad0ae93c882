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
} from "../model.js";
import { decodeNum } from "../store/keys.js";
import type { Store, StoreOp } from "../store/store.js";
import { base64ToBytes } from "../util/bytes.js";
import { retryDelay, type TopicConfig } from "./config.js";
import { GroupCommitter } from "./group-commit.js";
import { GroupState } from "./group-state.js";
import {
  formatMsgId,
  formatReceipt,
  groupHash,
  newEpoch,
  parseMsgId,
  parseReceipt,
} from "./ids.js";
import { readLog, readOffsets } from "./log-reader.js";
import { ProducerWindow } from "./producer-window.js";
import {
  type DeadRecord,
  fromJson,
  type GroupRecord,
  type PendingRecord,
  type ProducerRecord,
  QueueKeys,
  type QueueMeta,
  type ScheduledRecord,
  type Segment,
  type StoredMessage,
  toJson,
} from "./records.js";
import {
  assertIntInRange,
  assertName,
  assertOffset,
  assertReceipts,
  type NormalizedAppend,
} from "./validate.js";

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

export interface ReceiveParams {
  max: number;
  visibilityMs: number;
  retriesOnly?: boolean;
  tags?: string[];
}

/**
 * One topic queue: its commitlog, producer dedup, consumer groups, leases,
 * retries, dead letters and delayed messages, over any Store.
 *
 * The engine is the queue's single writer (DESIGN §2). It keeps a small view
 * in memory (head offset, producer windows, group state) and turns every
 * mutation into store ops that the GroupCommitter writes atomically. A
 * mutation is computed synchronously, so two mutations never interleave;
 * reads that must precede one are done first and re-checked inside it.
 */
export class QueueEngine {
  readonly topic: string;
  readonly queueId: number;
  config: TopicConfig;
  private readonly keys: QueueKeys;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly indexKeys: boolean;
  private readonly committer: GroupCommitter;

  private meta!: QueueMeta;
  /** Offsets below this are in the store; only they are visible to readers. */
  private durableHead = 0;
  private producers = new Map<string, ProducerWindow>();
  private groups = new Map<string, GroupState>();
  /** Delayed messages waiting: sid → due time. */
  private scheduled = new Map<number, number>();
  /** `lastAt` of the oldest segment, for age retention. */
  private oldestAt: number | undefined;
  /** Bumped on every reload: a read-then-mutate that spans one starts over. */
  private generation = 0;
  private stale: Promise<void> | undefined;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly receiveLocks = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly store: Store,
    options: QueueEngineOptions,
  ) {
    this.topic = options.topic;
    this.queueId = options.queueId;
    this.config = options.config;
    this.keys = new QueueKeys(options.topic, options.queueId);
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.indexKeys = options.indexKeys ?? true;
    this.committer = new GroupCommitter(store, () => {
      // Memory ran ahead of a write that failed: rebuild it from the store before the next mutation.
      this.stale ??= this.load();
    });
  }

  static async open(store: Store, options: QueueEngineOptions): Promise<QueueEngine> {
    const engine = new QueueEngine(store, options);
    await engine.load();
    return engine;
  }

  // ── loading ────────────────────────────────────────────────────────────

  private async load(): Promise<void> {
    try {
      const k = this.keys;
      const meta = await this.store.get(k.meta());
      if (meta === undefined) {
        this.meta = {
          epoch: newEpoch(this.random),
          head: 0,
          minOffset: 0,
          bytes: 0,
          nextSid: 1,
          nextLeaseId: 1,
        };
        await this.store.write([{ type: "put", key: k.meta(), value: toJson(this.meta) }]);
      } else {
        this.meta = fromJson<QueueMeta>(meta);
      }
      this.durableHead = this.meta.head;
      this.producers = new Map();
      for (const [key, value] of await this.store.scan({ prefix: k.producerPrefix() }))
        this.producers.set(lastPart(key), new ProducerWindow(fromJson<ProducerRecord>(value)));
      this.groups = new Map();
      for (const [key, value] of await this.store.scan({ prefix: k.groupPrefix() })) {
        const name = lastPart(key);
        this.groups.set(name, new GroupState(name, fromJson<GroupRecord>(value)));
      }
      for (const [key, value] of await this.store.scan({ prefix: k.pendingPrefix() })) {
        const parts = key.split("|");
        const group = this.groupState(parts[parts.length - 2]!);
        group.pending.set(decodeNum(parts[parts.length - 1]!), fromJson<PendingRecord>(value));
      }
      this.scheduled = new Map();
      for (const [, value] of await this.store.scan({ prefix: k.scheduledPrefix() })) {
        const rec = fromJson<ScheduledRecord>(value);
        this.scheduled.set(rec.sid, rec.dueAt);
      }
      const [oldest] = await this.store.scan({ prefix: k.segmentPrefix(), limit: 1 });
      this.oldestAt = oldest ? fromJson<Segment>(oldest[1]).lastAt : undefined;
      this.generation++;
    } finally {
      this.stale = undefined;
    }
  }

  private async ready(): Promise<void> {
    if (this.closed)
      throw new EdgeqError("closed", `queue ${this.topic}/${this.queueId} is closed`);
    while (this.stale) await this.stale;
  }

  /**
   * Runs `fn` against memory, synchronously, and commits the ops it emits.
   * Resolves after they are durable: the caller acknowledges nothing sooner.
   */
  private async mutate<T>(fn: (ops: StoreOp[], now: number) => T, generation?: number): Promise<T> {
    await this.ready();
    if (generation !== undefined && generation !== this.generation)
      throw new EdgeqError("unavailable", "the queue reloaded during the request; retry it");
    const ops: StoreOp[] = [];
    const result = fn(ops, this.clock.now());
    await this.committer.commit(ops);
    return result;
  }

  // ── produce ────────────────────────────────────────────────────────────

  /** Appends a validated batch. Each (producerId, seq) is stored once; a retry answers `duplicate`. */
  async append(request: NormalizedAppend): Promise<SendResult[]> {
    const { results, head } = await this.mutate((ops, now) => {
      const { producerId } = request;
      const window = producerId === undefined ? undefined : this.producerWindow(producerId);
      const results: SendResult[] = [];
      const first = this.meta.head;
      const msgs: StoredMessage[] = [];
      let bytes = 0;
      for (const m of request.messages) {
        if (window && m.seq !== undefined) {
          const seen = window.lookup(m.seq);
          if (seen.found) {
            results.push(this.duplicateResult(m.seq, seen.kind, seen.n));
            continue;
          }
        }
        const stored: StoredMessage = { body: m.body, producedAt: now, size: m.size };
        if (m.bytes) stored.bytes = true;
        if (m.key !== undefined) stored.key = m.key;
        if (m.tags) stored.tags = m.tags;
        if (m.headers) stored.headers = m.headers;
        if (producerId !== undefined) stored.producerId = producerId;
        if (m.seq !== undefined) stored.seq = m.seq;
        if (m.deliverAt !== undefined) {
          // Delayed: kept aside and appended when due (RocketMQ's schedule topic), so a
          // reader by offset never has to wait at or skip over an invisible message.
          const sid = this.meta.nextSid++;
          stored.deliverAt = m.deliverAt;
          stored.msgId = formatMsgId(this.meta.epoch, this.queueId, 1, sid);
          const rec: ScheduledRecord = { sid, dueAt: m.deliverAt, msg: stored };
          ops.push({ type: "put", key: this.keys.scheduled(m.deliverAt, sid), value: toJson(rec) });
          this.scheduled.set(sid, m.deliverAt);
          if (window && m.seq !== undefined)
            window.record(m.seq, 1, sid, this.config.producerWindow);
          results.push({
            status: "stored",
            ...(m.seq === undefined ? {} : { seq: m.seq }),
            msgId: stored.msgId,
            queueId: this.queueId,
            deliverAt: m.deliverAt,
          });
          continue;
        }
        const offset = first + msgs.length;
        msgs.push(stored);
        bytes += m.size;
        if (window && m.seq !== undefined)
          window.record(m.seq, 0, offset, this.config.producerWindow);
        if (m.key !== undefined && this.indexKeys)
          ops.push({ type: "put", key: this.keys.keyIndex(m.key, offset), value: offset });
        results.push({
          status: "stored",
          ...(m.seq === undefined ? {} : { seq: m.seq }),
          msgId: formatMsgId(this.meta.epoch, this.queueId, 0, offset),
          queueId: this.queueId,
          offset,
        });
      }
      if (msgs.length > 0) this.appendSegment(ops, msgs, bytes, now);
      if (window && producerId !== undefined) {
        window.lastSeenAt = now;
        ops.push({
          type: "put",
          key: this.keys.producer(producerId),
          value: toJson(window.toRecord()),
        });
      }
      ops.push(this.metaOp());
      return { results, head: this.meta.head };
    });
    this.advanceDurableHead(head);
    return results;
  }

  private appendSegment(ops: StoreOp[], msgs: StoredMessage[], bytes: number, now: number): void {
    const seg: Segment = { first: this.meta.head, lastAt: now, bytes, msgs };
    ops.push({ type: "put", key: this.keys.segment(seg.first), value: toJson(seg) });
    this.meta.head += msgs.length;
    this.meta.bytes += bytes;
    this.oldestAt ??= now;
  }

  private advanceDurableHead(head: number): void {
    if (head > this.durableHead) {
      this.durableHead = head;
      this.notify();
    }
  }

  private duplicateResult(seq: number, kind: 0 | 1 | undefined, n: number | undefined): SendResult {
    const result: SendResult = { status: "duplicate", seq, queueId: this.queueId };
    if (kind !== undefined && n !== undefined) {
      result.msgId = formatMsgId(this.meta.epoch, this.queueId, kind, n);
      if (kind === 0) result.offset = n;
    }
    return result;
  }

  private producerWindow(producerId: string): ProducerWindow {
    let window = this.producers.get(producerId);
    if (!window) {
      window = new ProducerWindow();
      this.producers.set(producerId, window);
    }
    return window;
  }

  // ── read by offset ─────────────────────────────────────────────────────

  async read(from: number, limit: number, tags?: string[]): Promise<ReadResult> {
    assertOffset("from", from);
    assertIntInRange("limit", limit, 1, 1000);
    assertTags(tags);
    await this.ready();
    this.assertReadable(from);
    const filter = tagFilter(tags);
    const { entries, next } = await readLog(
      this.store,
      this.keys,
      from,
      this.durableHead,
      limit,
      filter,
    );
    const minOffset = this.meta.minOffset;
    const messages = entries
      .filter((e) => e.offset >= minOffset)
      .map((e) => this.toMessage(e.offset, e.msg, 0));
    return { messages, nextOffset: Math.max(next, from), headOffset: this.durableHead, minOffset };
  }

  private assertReadable(from: number): void {
    if (from < this.meta.minOffset || from > this.durableHead)
      throw new EdgeqError(
        "offset_out_of_range",
        `offset ${from} is outside [${this.meta.minOffset}, ${this.durableHead}]`,
        { details: { minOffset: this.meta.minOffset, maxOffset: this.durableHead } },
      );
  }

  /** Resolves when a message is appended at or past `offset`, or after `ms`, or on abort. */
  waitForAppend(offset: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.durableHead > offset || ms <= 0) return Promise.resolve();
    return this.waitForChange(ms, signal);
  }

  private waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  // ── consumer group offsets ─────────────────────────────────────────────

  /** The group's committed offset; undefined until it committed one or leased from the log (retries alone do not count). */
  committedOffset(group: string): number | undefined {
    const g = this.groups.get(group);
    if (!g || (g.record.offset === null && g.record.cursor === null)) return undefined;
    return g.committedOffset(this.meta.minOffset);
  }

  /** Commits a pull consumer's offset; it never moves backwards unless `reset`. */
  async commitOffset(group: string, offset: number, reset = false): Promise<number> {
    assertName("group", group);
    assertOffset("offset", offset);
    return this.mutate((ops) => {
      if (offset > this.durableHead)
        throw new EdgeqError("offset_out_of_range", `offset ${offset} is past the head`, {
          details: { minOffset: this.meta.minOffset, maxOffset: this.durableHead },
        });
      const g = this.groupState(group);
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
      ops.push(this.groupOp(g));
      if (reset) for (const [o, p] of g.pending) ops.push(this.pendingOp(g, o, p));
      return g.committedOffset(this.meta.minOffset);
    });
  }

  // ── lease mode ─────────────────────────────────────────────────────────

  /**
   * Leases up to `max` messages to a group: due retries and expired leases
   * first, then new messages from the group's cursor. Receives of one group are
   * serialised so two never hand out the same message.
   */
  async receive(group: string, params: ReceiveParams): Promise<LeasedMessage[]> {
    assertName("group", group);
    assertIntInRange("max", params.max, 1, 1000);
    assertIntInRange("visibilityMs", params.visibilityMs, 1, this.config.maxVisibilityMs);
    assertTags(params.tags);
    return this.withReceiveLock(group, async () => {
      await this.ready();
      await this.expireLeases();
      const generation = this.generation;
      const now = this.clock.now();
      const g = this.groups.get(group);
      const retryOffsets = (g?.ready(now) ?? []).slice(0, params.max);
      const bodies = await this.readPendingBodies(g, retryOffsets);
      let fresh: Array<{ offset: number; msg: StoredMessage }> = [];
      let cursor = g?.record.cursor ?? g?.record.offset ?? this.meta.minOffset;
      cursor = Math.max(cursor, this.meta.minOffset);
      let nextCursor = cursor;
      const room = params.max - retryOffsets.length;
      if (!params.retriesOnly && room > 0 && cursor < this.durableHead) {
        const range = await readLog(
          this.store,
          this.keys,
          cursor,
          this.durableHead,
          room,
          tagFilter(params.tags),
        );
        fresh = range.entries;
        nextCursor = range.next;
      }
      return this.mutate((ops, at) => {
        const state = this.groupState(group);
        const out: LeasedMessage[] = [];
        for (const offset of retryOffsets) {
          const p = state.pending.get(offset);
          const msg = bodies.get(offset);
          if (!p || p.visibleAt > at) continue;
          if (!msg) {
            // Trimmed by retention with no copy: nothing left to deliver.
            state.pending.delete(offset);
            ops.push({ type: "delete", key: this.keys.pending(group, offset) });
            continue;
          }
          out.push(this.lease(ops, state, offset, p, msg, params.visibilityMs, at));
        }
        if (!params.retriesOnly && (state.record.cursor ?? cursor) === cursor) {
          state.record.cursor = nextCursor;
          for (const { offset, msg } of fresh) {
            const p: PendingRecord = {
              reconsumeTimes: 0,
              deliveryCount: 0,
              visibleAt: 0,
              leaseId: 0,
              first: true,
            };
            state.pending.set(offset, p);
            out.push(this.lease(ops, state, offset, p, msg, params.visibilityMs, at));
          }
          ops.push(this.groupOp(state));
        }
        ops.push(this.metaOp());
        return out;
      }, generation);
    });
  }

  private lease(
    ops: StoreOp[],
    g: GroupState,
    offset: number,
    p: PendingRecord,
    msg: StoredMessage,
    visibilityMs: number,
    now: number,
  ): LeasedMessage {
    p.leaseId = this.meta.nextLeaseId++;
    p.deliveryCount++;
    p.visibleAt = now + visibilityMs;
    ops.push(this.pendingOp(g, offset, p));
    return {
      ...this.toMessage(offset, msg, p.reconsumeTimes),
      receipt: formatReceipt(this.meta.epoch, this.queueId, g.name, offset, p.leaseId),
      deliveryCount: p.deliveryCount,
    };
  }

  private async withReceiveLock<T>(group: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.receiveLocks.get(group) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.receiveLocks.set(group, tail);
    try {
      return await run;
    } finally {
      if (this.receiveLocks.get(group) === tail) this.receiveLocks.delete(group);
    }
  }

  /** Long-poll for lease mode: resolves when something may have become receivable, or after `ms`. */
  waitForReceivable(ms: number, signal?: AbortSignal): Promise<void> {
    return ms <= 0 ? Promise.resolve() : this.waitForChange(ms, signal);
  }

  async ack(group: string, receipts: string[]): Promise<void> {
    assertName("group", group);
    receipts = assertReceipts(receipts);
    await this.mutate((ops, now) => {
      const g = this.groupState(group);
      for (const offset of this.checkReceipts(group, receipts, now)) {
        g.pending.delete(offset);
        ops.push({ type: "delete", key: this.keys.pending(group, offset) });
      }
    });
  }

  async extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    assertName("group", group);
    receipts = assertReceipts(receipts);
    assertIntInRange("visibilityMs", visibilityMs, 1, this.config.maxVisibilityMs);
    await this.mutate((ops, now) => {
      const g = this.groupState(group);
      for (const offset of this.checkReceipts(group, receipts, now)) {
        const p = g.pending.get(offset)!;
        p.visibleAt = now + visibilityMs;
        ops.push(this.pendingOp(g, offset, p));
      }
    });
  }

  /** Hands leased messages to the retry schedule (or the dead-letter queue past the maximum). */
  async nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    assertName("group", group);
    receipts = assertReceipts(receipts);
    if (delayMs !== undefined) assertIntInRange("delayMs", delayMs, 0, this.config.maxDelayMs);
    await this.ready();
    const generation = this.generation;
    const offsets = this.checkReceipts(group, receipts, this.clock.now());
    const bodies = await this.readPendingBodies(this.groups.get(group), offsets);
    await this.mutate((ops, now) => {
      const g = this.groupState(group);
      this.checkReceipts(group, receipts, now);
      for (const offset of offsets)
        this.fail(ops, g, offset, g.pending.get(offset)!, bodies.get(offset), now, delayMs);
      this.notify();
    }, generation);
  }

  /**
   * A pull consumer's send-back (RocketMQ `sendMessageBack`): the message at
   * `offset` failed for `group` and joins its retry schedule. Idempotent: a
   * message already waiting for its retry is left as it is.
   */
  async sendBack(group: string, offset: number, delayMs?: number): Promise<void> {
    assertName("group", group);
    assertOffset("offset", offset);
    if (delayMs !== undefined) assertIntInRange("delayMs", delayMs, 0, this.config.maxDelayMs);
    await this.ready();
    if (offset < this.meta.minOffset || offset >= this.durableHead)
      throw new EdgeqError("not_found", `no message at offset ${offset}`);
    const generation = this.generation;
    const bodies = await readOffsets(this.store, this.keys, [offset]);
    await this.mutate((ops, now) => {
      const g = this.groupState(group);
      const existing = g.pending.get(offset);
      if (existing && existing.leaseId === 0) return;
      if (existing)
        throw new EdgeqError("conflict", `offset ${offset} is leased; nack its receipt instead`);
      const p: PendingRecord = {
        reconsumeTimes: 0,
        deliveryCount: 1,
        visibleAt: now,
        leaseId: 0,
        first: false,
      };
      g.pending.set(offset, p);
      this.fail(ops, g, offset, p, bodies.get(offset), now, delayMs);
      this.notify();
    }, generation);
  }

  /** One more failure of a pending message: schedule its retry, or dead-letter it past the maximum. */
  private fail(
    ops: StoreOp[],
    g: GroupState,
    offset: number,
    p: PendingRecord,
    msg: StoredMessage | undefined,
    now: number,
    delayMs?: number,
  ): void {
    p.reconsumeTimes++;
    p.leaseId = 0;
    p.first = false;
    if (p.reconsumeTimes > this.config.maxReconsumeTimes) {
      g.pending.delete(offset);
      ops.push({ type: "delete", key: this.keys.pending(g.name, offset) });
      if (msg) {
        const dead: DeadRecord = { msg, reconsumeTimes: p.reconsumeTimes - 1, deadAt: now };
        ops.push({ type: "put", key: this.keys.dead(g.name, offset), value: toJson(dead) });
        g.record.deadLetters++;
        ops.push(this.groupOp(g));
      }
      return;
    }
    p.visibleAt = now + (delayMs ?? retryDelay(this.config.retrySchedule, p.reconsumeTimes));
    ops.push(this.pendingOp(g, offset, p));
  }

  /** Leases that ran out count as a failure (as RocketMQ's pop revive does), so a poison message ends in the DLQ. */
  private async expireLeases(): Promise<void> {
    const now = this.clock.now();
    const expired: Array<[GroupState, number[]]> = [];
    for (const g of this.groups.values()) {
      const offsets = g.expired(now);
      if (offsets.length) expired.push([g, offsets]);
    }
    if (expired.length === 0) return;
    const generation = this.generation;
    const bodies = new Map<GroupState, Map<number, StoredMessage>>();
    for (const [g, offsets] of expired) bodies.set(g, await this.readPendingBodies(g, offsets));
    await this.mutate((ops, at) => {
      for (const [g, offsets] of expired)
        for (const offset of offsets) {
          const p = g.pending.get(offset);
          if (!p || p.leaseId === 0 || p.visibleAt > at) continue;
          this.fail(ops, g, offset, p, bodies.get(g)?.get(offset), at, 0);
        }
    }, generation);
  }

  /** Message bodies for pending entries: a redriven dead letter's copy, else the log. */
  private async readPendingBodies(
    g: GroupState | undefined,
    offsets: number[],
  ): Promise<Map<number, StoredMessage>> {
    const fromLog = offsets.filter((o) => !g?.pending.get(o)?.copy);
    const bodies = await readOffsets(this.store, this.keys, fromLog);
    for (const o of offsets) {
      const copy = g?.pending.get(o)?.copy;
      if (copy) bodies.set(o, copy);
    }
    return bodies;
  }

  /**
   * Receipts are all-or-nothing: any unknown one fails the call with
   * `not_found`, any stale one (expired, acked, re-leased) with `conflict`, and nothing changes.
   */
  private checkReceipts(group: string, receipts: string[], now: number): number[] {
    const g = this.groups.get(group);
    const unknown: string[] = [];
    const stale: string[] = [];
    const offsets: number[] = [];
    for (const receipt of receipts) {
      const r = parseReceipt(receipt);
      if (
        !r ||
        r.epoch !== this.meta.epoch ||
        r.queueId !== this.queueId ||
        r.groupHash !== groupHash(group) ||
        r.leaseId >= this.meta.nextLeaseId ||
        r.offset >= this.meta.head
      ) {
        unknown.push(receipt);
        continue;
      }
      const p = g?.pending.get(r.offset);
      if (!p || p.leaseId !== r.leaseId || p.visibleAt <= now) stale.push(receipt);
      else offsets.push(r.offset);
    }
    if (unknown.length)
      throw new EdgeqError("not_found", `unknown receipt: ${unknown[0]}`, {
        details: { receipts: unknown },
      });
    if (stale.length)
      throw new EdgeqError("conflict", "lease expired or already acknowledged", {
        details: { receipts: stale },
      });
    return offsets;
  }

  // ── dead letters ───────────────────────────────────────────────────────

  async listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 1000);
    await this.ready();
    const rows = await this.store.scan({ prefix: this.keys.deadPrefix(group), limit });
    return rows.map(([key, value]) => {
      const rec = fromJson<DeadRecord>(value);
      return {
        message: this.toMessage(decodeNum(lastPart(key)), rec.msg, rec.reconsumeTimes),
        deadAt: rec.deadAt,
        reason: "max_reconsume_times",
      };
    });
  }

  /** Moves dead letters back to the group's retry queue, visible now, with a fresh reconsume count. */
  async redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 100_000);
    if (
      msgIds !== undefined &&
      (!Array.isArray(msgIds) || !msgIds.every((id) => typeof id === "string"))
    )
      throw new EdgeqError("invalid_request", "msgIds must be a list of message ids");
    await this.ready();
    const generation = this.generation;
    let rows = await this.store.scan({
      prefix: this.keys.deadPrefix(group),
      limit: msgIds ? undefined : limit,
    });
    if (msgIds) {
      const wanted = new Set(msgIds);
      rows = rows
        .filter(([key, value]) =>
          wanted.has(this.msgIdOf(decodeNum(lastPart(key)), fromJson<DeadRecord>(value).msg)),
        )
        .slice(0, limit);
    }
    return this.mutate((ops, now) => {
      const g = this.groupState(group);
      for (const [key, value] of rows) {
        const offset = decodeNum(lastPart(key));
        const rec = fromJson<DeadRecord>(value);
        const p: PendingRecord = {
          reconsumeTimes: 0,
          deliveryCount: 0,
          visibleAt: now,
          leaseId: 0,
          first: false,
          copy: rec.msg,
        };
        g.pending.set(offset, p);
        ops.push({ type: "delete", key });
        ops.push(this.pendingOp(g, offset, p));
      }
      g.record.deadLetters = Math.max(0, g.record.deadLetters - rows.length);
      ops.push(this.groupOp(g));
      this.notify();
      return rows.length;
    }, generation);
  }

  // ── query ──────────────────────────────────────────────────────────────

  async getMessage(msgId: string): Promise<Message> {
    if (typeof msgId !== "string")
      throw new EdgeqError("invalid_request", "msgId must be a string");
    await this.ready();
    const id = parseMsgId(msgId);
    const missing = () => new EdgeqError("not_found", `no message ${msgId}`);
    if (!id || id.epoch !== this.meta.epoch || id.queueId !== this.queueId) throw missing();
    let offset = id.n;
    if (id.kind === 1) {
      const due = this.scheduled.get(id.n);
      if (due !== undefined) {
        const rec = await this.store.get(this.keys.scheduled(due, id.n));
        // Still waiting: it has no offset yet, which -1 says.
        if (rec !== undefined) return this.toMessage(-1, fromJson<ScheduledRecord>(rec).msg, 0);
      }
      const released = await this.store.get(this.keys.sid(id.n));
      if (typeof released !== "number") throw missing();
      offset = released;
    }
    if (offset < this.meta.minOffset || offset >= this.durableHead) throw missing();
    const msg = (await readOffsets(this.store, this.keys, [offset])).get(offset);
    if (!msg) throw missing();
    return this.toMessage(offset, msg, 0);
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
    await this.ready();
    const rows = await this.store.scan({ prefix: this.keys.keyIndexPrefix(key) });
    const offsets = rows
      .map(([, v]) => v as number)
      .filter((o) => o >= this.meta.minOffset && o < this.durableHead);
    const bodies = await readOffsets(this.store, this.keys, offsets);
    const out: Message[] = [];
    for (const offset of offsets) {
      const msg = bodies.get(offset);
      if (!msg || msg.producedAt < fromTime || msg.producedAt > toTime) continue;
      out.push(this.toMessage(offset, msg, 0));
      if (out.length >= limit) break;
    }
    return out;
  }

  // ── timers: delayed messages, leases, retention ────────────────────────

  /** When the engine next has work of its own (a host sets a timer or a Durable Object alarm for it). */
  nextWakeUp(): number | undefined {
    let next: number | undefined;
    const consider = (t: number | undefined) => {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    };
    for (const due of this.scheduled.values()) consider(due);
    for (const g of this.groups.values()) consider(g.nextChange());
    if (this.oldestAt !== undefined) consider(this.oldestAt + this.config.retentionMs);
    const c = this.config;
    if (this.meta.head - this.meta.minOffset > c.maxMessages || this.meta.bytes > c.maxBytes)
      consider(this.clock.now());
    for (const p of this.producers.values()) consider(p.lastSeenAt + c.producerTtlMs);
    return next;
  }

  /** Does whatever is due: releases delayed messages, expires leases, applies retention, forgets idle producers. */
  async tick(): Promise<void> {
    await this.ready();
    await this.releaseScheduled();
    await this.expireLeases();
    await this.applyRetention();
    await this.forgetIdleProducers();
    this.notify();
  }

  private async releaseScheduled(): Promise<void> {
    const now = this.clock.now();
    const generation = this.generation;
    const due = await this.store.scan({
      start: this.keys.scheduledPrefix(),
      end: this.keys.scheduled(now + 1, 0),
      limit: this.config.maxBatchMessages,
    });
    if (due.length === 0) return;
    const head = await this.mutate((ops, at) => {
      const msgs: StoredMessage[] = [];
      let bytes = 0;
      for (const [key, value] of due) {
        const rec = fromJson<ScheduledRecord>(value);
        if (!this.scheduled.delete(rec.sid)) continue;
        const offset = this.meta.head + msgs.length;
        msgs.push(rec.msg);
        bytes += rec.msg.size;
        ops.push({ type: "delete", key });
        ops.push({ type: "put", key: this.keys.sid(rec.sid), value: offset });
        if (rec.msg.key !== undefined && this.indexKeys)
          ops.push({ type: "put", key: this.keys.keyIndex(rec.msg.key, offset), value: offset });
      }
      if (msgs.length) this.appendSegment(ops, msgs, bytes, at);
      ops.push(this.metaOp());
      return this.meta.head;
    }, generation);
    this.advanceDurableHead(head);
    if (due.length === this.config.maxBatchMessages) await this.releaseScheduled();
  }

  /**
   * Deletes what retention allows: by age, count and bytes, whole segments at
   * a time, but never a message a group still has leased or waiting for retry
   * (those need the log to be delivered again).
   */
  private async applyRetention(): Promise<void> {
    const c = this.config;
    const now = this.clock.now();
    const generation = this.generation;
    let target = Math.max(this.meta.minOffset, this.meta.head - c.maxMessages);
    const cutoff = now - c.retentionMs;
    let bytes = this.meta.bytes;
    const doomed: Array<[string, Segment]> = [];
    for (;;) {
      const batch = await this.store.scan({
        start: doomed.length
          ? this.keys.segment(doomed[doomed.length - 1]![1].first + 1)
          : this.keys.segmentPrefix(),
        end: this.keys.segment(this.meta.head),
        limit: 64,
      });
      let stop = batch.length === 0;
      for (const [key, value] of batch) {
        const seg = fromJson<Segment>(value);
        const end = seg.first + seg.msgs.length;
        const byAge = seg.lastAt < cutoff;
        const bySize = bytes > c.maxBytes;
        if (byAge || bySize) target = Math.max(target, end);
        if (end > target) {
          stop = true;
          break;
        }
        doomed.push([key, seg]);
        bytes -= seg.bytes;
      }
      if (stop) break;
    }
    for (const g of this.groups.values()) {
      const needed = g.lowestNeeded();
      if (needed !== undefined && needed < target) target = needed;
    }
    if (target <= this.meta.minOffset) return;
    await this.mutate((ops) => {
      let freed = 0;
      for (const [key, seg] of doomed) {
        if (seg.first + seg.msgs.length > target) break;
        ops.push({ type: "delete", key });
        freed += seg.bytes;
        seg.msgs.forEach((m, i) => {
          if (m.key !== undefined && this.indexKeys)
            ops.push({ type: "delete", key: this.keys.keyIndex(m.key, seg.first + i) });
        });
      }
      this.meta.minOffset = target;
      this.meta.bytes -= freed;
      ops.push(this.metaOp());
    }, generation);
    const [oldest] = await this.store.scan({ prefix: this.keys.segmentPrefix(), limit: 1 });
    this.oldestAt = oldest ? fromJson<Segment>(oldest[1]).lastAt : undefined;
  }

  private async forgetIdleProducers(): Promise<void> {
    const cutoff = this.clock.now() - this.config.producerTtlMs;
    const idle = [...this.producers].filter(([, w]) => w.lastSeenAt < cutoff).map(([id]) => id);
    if (idle.length === 0) return;
    await this.mutate((ops) => {
      for (const id of idle) {
        this.producers.delete(id);
        ops.push({ type: "delete", key: this.keys.producer(id) });
      }
    });
  }

  // ── stats ──────────────────────────────────────────────────────────────

  queueStats(): QueueStats {
    return {
      queueId: this.queueId,
      minOffset: this.meta.minOffset,
      headOffset: this.durableHead,
      scheduled: this.scheduled.size,
      bytes: this.meta.bytes,
    };
  }

  /** The queue's stats and every group's stats on it, at one moment. */
  snapshot(): { queue: QueueStats; groups: Record<string, GroupQueueStats> } {
    const groups: Record<string, GroupQueueStats> = {};
    for (const name of this.groups.keys()) groups[name] = this.groupStats(name);
    return { queue: this.queueStats(), groups };
  }

  groupStats(group: string): GroupQueueStats {
    const now = this.clock.now();
    const g = this.groups.get(group);
    const committed = g ? g.committedOffset(this.meta.minOffset) : this.meta.minOffset;
    return {
      queueId: this.queueId,
      committedOffset: committed,
      lag: Math.max(0, this.durableHead - committed),
      inFlight: g?.inFlight(now) ?? 0,
      retrying: g?.retrying(now) ?? 0,
      deadLetters: g?.record.deadLetters ?? 0,
    };
  }

  get epoch(): string {
    return this.meta.epoch;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.notify();
  }

  // ── helpers ────────────────────────────────────────────────────────────

  private groupState(name: string): GroupState {
    let g = this.groups.get(name);
    if (!g) {
      g = new GroupState(name);
      this.groups.set(name, g);
    }
    return g;
  }

  private metaOp(): StoreOp {
    return { type: "put", key: this.keys.meta(), value: toJson(this.meta) };
  }

  private groupOp(g: GroupState): StoreOp {
    return { type: "put", key: this.keys.group(g.name), value: toJson(g.record) };
  }

  private pendingOp(g: GroupState, offset: number, p: PendingRecord): StoreOp {
    return { type: "put", key: this.keys.pending(g.name, offset), value: toJson(p) };
  }

  private msgIdOf(offset: number, msg: StoredMessage): string {
    return msg.msgId ?? formatMsgId(this.meta.epoch, this.queueId, 0, offset);
  }

  private toMessage(offset: number, msg: StoredMessage, reconsumeTimes: number): Message {
    const out: Message = {
      msgId: this.msgIdOf(offset, msg),
      topic: this.topic,
      queueId: this.queueId,
      offset,
      body: msg.bytes ? base64ToBytes(msg.body as string) : msg.body,
      tags: msg.tags ?? [],
      headers: msg.headers ?? {},
      producedAt: msg.producedAt,
      reconsumeTimes,
    };
    if (msg.key !== undefined) out.key = msg.key;
    if (msg.producerId !== undefined) out.producerId = msg.producerId;
    if (msg.seq !== undefined) out.seq = msg.seq;
    if (msg.deliverAt !== undefined) out.deliverAt = msg.deliverAt;
    return out;
  }
}

function lastPart(key: string): string {
  return key.slice(key.lastIndexOf("|") + 1);
}

function assertTags(tags: unknown): asserts tags is string[] | undefined {
  if (
    tags !== undefined &&
    (!Array.isArray(tags) || !tags.every((t) => typeof t === "string" && t.length > 0))
  )
    throw new EdgeqError("invalid_request", "tags must be a list of strings");
}

function tagFilter(tags: string[] | undefined): ((m: StoredMessage) => boolean) | undefined {
  if (!tags || tags.length === 0) return undefined;
  const wanted = new Set(tags);
  return (m) => m.tags?.some((t) => wanted.has(t)) ?? false;
}
