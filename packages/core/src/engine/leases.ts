import { EdgeqError } from "../errors.js";
import type { DeadLetter } from "../model.js";
import { decodeNum } from "../store/keys.js";
import { prefixEnd, type StoreOp } from "../store/store.js";
import type { BucketState } from "../util/token-bucket.js";
import { retryDelay } from "./config.js";
import { groupTotals } from "./counters.js";
import { FlowGate, flowKeyOf, NOW } from "./flow-gate.js";
import { type GroupSettings, limitsKeys } from "./group-settings.js";
import type { GroupState } from "./group-state.js";
import { formatReceipt, groupHash, parseReceipt } from "./ids.js";
import { readLog, readOffsets, tagFilter } from "./log-reader.js";
import type { LeaseMembers } from "./message-view.js";
import type { QueueState } from "./queue-state.js";
import {
  type DeadRecord,
  fromJson,
  isExpired,
  lastPart,
  type PendingRecord,
  type StoredMessage,
  toJson,
} from "./records.js";
import {
  assertIntInRange,
  assertName,
  assertOffset,
  assertReceipts,
  assertTags,
} from "./validate.js";

/** A validated receive (the TopicRouter applied defaults and bounds). */
export interface ReceiveParams {
  /** Most messages to lease. */
  max: number;
  /** Lease length. */
  visibilityMs: number;
  /** Only messages due for a retry, none from the log. */
  retriesOnly?: boolean;
  /** Only messages with one of these tags. */
  tags?: string[];
}

/** How a leased message is answered (a LeasedMessage, or its wire JSON): its record, place and lease. */
export type LeaseView<T> = (
  offset: number,
  msg: StoredMessage,
  reconsumeTimes: number,
  lease: LeaseMembers,
) => T;

/** How far one receive of a flow-controlled group reads past busy keys. */
const MAX_SCAN_PER_RECEIVE = 5_000;
/** Most messages one group may hold back per queue: beyond it, the busy keys hold back the rest. */
export const MAX_WAITING = 50_000;

/** A flow key that holds messages back (`Leases.blockedKeys`). */
export interface BlockedKey {
  key: string;
  queueId: number;
  /** Messages of the key taken from the log and waiting for it. */
  waiting: number;
  /** Its earliest message in process; absent when only the key's rate holds the rest back. */
  blockedBy?: { offset: number; state: "leased" | "retrying"; deliveryCount: number };
}

interface TakenFromLog {
  fresh: Array<{ offset: number; msg: StoredMessage }>;
  held: Array<{ offset: number; fk: string; when: number }>;
  next: number;
}

/**
 * Lease mode, retries and dead letters of one queue (C3 in docs/architecture.md, and the
 * RocketMQ 5 "pop" model): receive with a visibility timeout, ack, nack,
 * extend, a pull consumer's send-back, lease expiry, the retry schedule, and
 * the dead-letter queue with its redrive.
 */
export class Leases {
  private readonly receiveLocks = new Map<string, Promise<unknown>>();
  private readonly buckets = new Map<string, Map<string, BucketState>>();

  constructor(private readonly s: QueueState) {}

  /**
   * Leases up to `max` messages to a group: due retries and expired leases
   * first, then new messages from the group's cursor. Receives of one group are
   * serialised so two never hand out the same message. A paused group gets
   * none; a group with `ordered` or `flow` (GroupSettings) gets only what its
   * keys' limits admit (FlowGate), and what they hold back waits in the
   * group's pending entries, in log order, until its key frees.
   */
  async receive<T>(group: string, params: ReceiveParams, view: LeaseView<T>): Promise<T[]> {
    assertName("group", group);
    assertIntInRange("max", params.max, 1, 1000);
    assertIntInRange("visibilityMs", params.visibilityMs, 1, this.s.config.maxVisibilityMs);
    assertTags(params.tags);
    return this.withReceiveLock(group, async () => {
      await this.s.ready();
      await this.expireLeases();
      const generation = this.s.generation;
      const now = this.s.clock.now();
      const g = this.s.groups.get(group);
      const settings = g?.record.settings;
      if (settings?.paused) return [];
      const gate =
        settings && limitsKeys(settings)
          ? new FlowGate(g, settings, this.bucketsOf(group, now), now)
          : undefined;
      const retryOffsets: number[] = [];
      // Entries a key's rate holds back: when to look at them again.
      const deferred = new Map<number, number>();
      for (const offset of g?.ready(now) ?? []) {
        if (retryOffsets.length >= params.max) break;
        const when = gate ? gate.admit(g!.pending.get(offset)!.fk, offset) : NOW;
        if (when === NOW) retryOffsets.push(offset);
        else if (when !== Infinity) deferred.set(offset, when);
      }
      const bodies = await this.readPendingBodies(g, retryOffsets);
      let cursor = g?.record.cursor ?? g?.record.offset ?? this.s.meta.minOffset;
      cursor = Math.max(cursor, this.s.meta.minOffset);
      const room = params.max - retryOffsets.length;
      const taken =
        !params.retriesOnly && room > 0 && cursor < this.s.durableHead
          ? await this.takeFromLog(cursor, room, params.tags, gate, settings, g)
          : { fresh: [], held: [], next: cursor };
      return this.s.mutate((ops, at) => {
        const state = this.s.groupState(group);
        const out: T[] = [];
        for (const offset of retryOffsets) {
          const p = state.pending.get(offset);
          const msg = bodies.get(offset);
          if (!p || p.visibleAt > at) continue;
          if (!msg) {
            // Trimmed by retention with no copy: nothing left to deliver.
            state.pending.delete(offset);
            ops.push({ type: "delete", key: this.s.keys.pending(group, offset) });
            continue;
          }
          if (isExpired(msg, at)) {
            this.deadLetter(ops, state, offset, msg, p.reconsumeTimes, at, "expired");
            continue;
          }
          out.push(this.lease(ops, state, offset, p, msg, params.visibilityMs, at, view));
        }
        for (const [offset, when] of deferred) {
          const p = state.pending.get(offset);
          if (p?.leaseId !== 0) continue;
          p.visibleAt = when;
          ops.push(this.s.pendingOp(state, offset, p));
        }
        if (!params.retriesOnly && (state.record.cursor ?? cursor) === cursor) {
          state.record.cursor = taken.next;
          for (const { offset, msg } of taken.fresh) {
            const fk = gate ? flowKeyOf(msg, settings) : undefined;
            const p: PendingRecord = {
              reconsumeTimes: 0,
              deliveryCount: 0,
              visibleAt: 0,
              leaseId: 0,
              first: true,
              ...(fk === undefined ? {} : { fk }),
            };
            if (isExpired(msg, at)) {
              // Never delivered after its expiry: to the dead letters, in log order with the rest.
              this.deadLetter(ops, state, offset, msg, 0, at, "expired");
              continue;
            }
            state.pending.set(offset, p);
            out.push(this.lease(ops, state, offset, p, msg, params.visibilityMs, at, view));
          }
          for (const { offset, fk, when } of taken.held) {
            const p: PendingRecord = {
              reconsumeTimes: 0,
              deliveryCount: 0,
              visibleAt: when === Infinity ? 0 : when,
              leaseId: 0,
              first: true,
              fk,
              waiting: true,
            };
            state.pending.set(offset, p);
            ops.push(this.s.pendingOp(state, offset, p));
          }
          ops.push(this.s.groupOp(state));
        } else if (out.length > 0) ops.push(this.s.groupOp(state)); // its delivery totals
        ops.push(this.s.metaOp());
        return out;
      }, generation);
    });
  }

  /**
   * New messages from `cursor`: up to `room` to lease and, with a gate, those
   * it holds back (their keys are busy), read on until `room` is filled or a
   * bound is reached, so one busy key never stops the keys behind it.
   */
  private async takeFromLog(
    cursor: number,
    room: number,
    tags: string[] | undefined,
    gate: FlowGate | undefined,
    settings: GroupSettings | undefined,
    g: GroupState | undefined,
  ): Promise<TakenFromLog> {
    const filter = tagFilter(tags);
    if (!gate) {
      const range = await readLog(this.s, cursor, this.s.durableHead, room, filter);
      return { fresh: range.entries, held: [], next: range.next };
    }
    const out: TakenFromLog = { fresh: [], held: [], next: cursor };
    const waiting = g?.waiting() ?? 0;
    let scanned = 0;
    while (
      out.next < this.s.durableHead &&
      scanned < MAX_SCAN_PER_RECEIVE &&
      waiting + out.held.length < MAX_WAITING
    ) {
      const want = Math.max(room - out.fresh.length, 64);
      const range = await readLog(this.s, out.next, this.s.durableHead, want, filter);
      for (const entry of range.entries) {
        scanned++;
        const fk = flowKeyOf(entry.msg, settings);
        const when = gate.admit(fk, entry.offset);
        if (when === NOW) out.fresh.push(entry);
        else out.held.push({ offset: entry.offset, fk: fk!, when });
        out.next = entry.offset + 1;
        if (out.fresh.length === room) return out;
      }
      out.next = range.next;
      if (range.entries.length === 0) break;
    }
    return out;
  }

  /** The rate buckets of a group's flow keys (memory only: full again after a restart). */
  private bucketsOf(group: string, now: number): Map<string, BucketState> {
    let buckets = this.buckets.get(group);
    if (!buckets) {
      buckets = new Map();
      this.buckets.set(group, buckets);
    }
    // A bucket untouched for a minute is as good as full: forget it, so idle keys cost nothing.
    if (buckets.size > 10_000)
      for (const [key, bucket] of buckets) if (bucket.at < now - 60_000) buckets.delete(key);
    return buckets;
  }

  private lease<T>(
    ops: StoreOp[],
    g: GroupState,
    offset: number,
    p: PendingRecord,
    msg: StoredMessage,
    visibilityMs: number,
    now: number,
    view: LeaseView<T>,
  ): T {
    delete p.waiting;
    p.leaseId = this.s.takeLeaseId();
    p.deliveryCount++;
    const totals = groupTotals(g.record);
    totals.delivered++;
    if (p.deliveryCount > 1) totals.redelivered++;
    p.visibleAt = now + visibilityMs;
    ops.push(this.s.pendingOp(g, offset, p));
    return view(offset, msg, p.reconsumeTimes, {
      receipt: formatReceipt(this.s.meta.epoch, this.s.queueId, g.name, offset, p.leaseId),
      deliveryCount: p.deliveryCount,
    });
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

  async ack(group: string, receipts: string[]): Promise<void> {
    assertName("group", group);
    receipts = assertReceipts(receipts);
    await this.s.mutate((ops, now) => {
      const g = this.s.groupState(group);
      const offsets = this.checkReceipts(group, receipts, now);
      for (const offset of offsets) {
        g.pending.delete(offset);
        ops.push({ type: "delete", key: this.s.keys.pending(group, offset) });
      }
      groupTotals(g.record).acked += offsets.length;
      ops.push(this.s.groupOp(g));
      // A freed key may let a waiting message go: wake a long-polling receive.
      if (limitsKeys(g.record.settings)) this.s.notify();
    });
  }

  async extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    assertName("group", group);
    receipts = assertReceipts(receipts);
    assertIntInRange("visibilityMs", visibilityMs, 1, this.s.config.maxVisibilityMs);
    await this.s.mutate((ops, now) => {
      const g = this.s.groupState(group);
      for (const offset of this.checkReceipts(group, receipts, now)) {
        const p = g.pending.get(offset)!;
        p.visibleAt = now + visibilityMs;
        ops.push(this.s.pendingOp(g, offset, p));
      }
    });
  }

  /** Hands leased messages to the retry schedule (or the dead-letter queue past the maximum). */
  async nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    assertName("group", group);
    receipts = assertReceipts(receipts);
    if (delayMs !== undefined) assertIntInRange("delayMs", delayMs, 0, this.s.config.maxDelayMs);
    await this.s.ready();
    const generation = this.s.generation;
    const offsets = this.checkReceipts(group, receipts, this.s.clock.now());
    const bodies = await this.readPendingBodies(this.s.groups.get(group), offsets);
    await this.s.mutate((ops, now) => {
      const g = this.s.groupState(group);
      this.checkReceipts(group, receipts, now);
      for (const offset of offsets)
        this.fail(ops, g, offset, g.pending.get(offset)!, bodies.get(offset), now, delayMs);
      this.s.notify();
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
    if (delayMs !== undefined) assertIntInRange("delayMs", delayMs, 0, this.s.config.maxDelayMs);
    await this.s.ready();
    if (offset < this.s.meta.minOffset || offset >= this.s.durableHead)
      throw new EdgeqError("not_found", `no message at offset ${offset}`);
    const generation = this.s.generation;
    const bodies = await readOffsets(this.s, [offset]);
    await this.s.mutate((ops, now) => {
      const g = this.s.groupState(group);
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
      this.s.notify();
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
    if (p.reconsumeTimes > (g.record.settings?.maxRetries ?? this.s.config.maxReconsumeTimes)) {
      if (msg) this.deadLetter(ops, g, offset, msg, p.reconsumeTimes - 1, now);
      else {
        g.pending.delete(offset);
        ops.push({ type: "delete", key: this.s.keys.pending(g.name, offset) });
      }
      return;
    }
    p.visibleAt =
      now +
      (delayMs ??
        g.record.settings?.retryDelayMs ??
        retryDelay(this.s.config.retrySchedule, p.reconsumeTimes));
    ops.push(this.s.pendingOp(g, offset, p));
  }

  /** Moves a message of the group to its dead-letter queue (failed too often, or expired). */
  private deadLetter(
    ops: StoreOp[],
    g: GroupState,
    offset: number,
    msg: StoredMessage,
    reconsumeTimes: number,
    now: number,
    reason?: DeadRecord["reason"],
  ): void {
    g.pending.delete(offset);
    ops.push({ type: "delete", key: this.s.keys.pending(g.name, offset) });
    const dead: DeadRecord = { msg, reconsumeTimes, deadAt: now, ...(reason ? { reason } : {}) };
    ops.push({ type: "put", key: this.s.keys.dead(g.name, offset), value: toJson(dead) });
    g.record.deadLetters++;
    const byReason = groupTotals(g.record).deadLettered;
    const why = reason ?? "max_reconsume_times";
    byReason[why] = (byReason[why] ?? 0) + 1;
    ops.push(this.s.groupOp(g));
  }

  /** Leases that ran out count as a failure (as RocketMQ's pop revive does), so a poison message ends in the DLQ. */
  async expireLeases(): Promise<void> {
    const now = this.s.clock.now();
    const expired: Array<[GroupState, number[]]> = [];
    for (const g of this.s.groups.values()) {
      // Nothing of a paused group expires: its leases count no attempt until it resumes.
      if (g.record.settings?.paused) continue;
      const offsets = g.expired(now);
      if (offsets.length) expired.push([g, offsets]);
    }
    if (expired.length === 0) return;
    const generation = this.s.generation;
    const bodies = new Map<GroupState, Map<number, StoredMessage>>();
    for (const [g, offsets] of expired) bodies.set(g, await this.readPendingBodies(g, offsets));
    await this.s.mutate((ops, at) => {
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
    const bodies = await readOffsets(this.s, fromLog);
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
    const g = this.s.groups.get(group);
    const hash = groupHash(group);
    const unknown: string[] = [];
    const stale: string[] = [];
    const offsets: number[] = [];
    for (const receipt of receipts) {
      const r = parseReceipt(receipt);
      if (
        !r ||
        r.epoch !== this.s.meta.epoch ||
        r.queueId !== this.s.queueId ||
        r.groupHash !== hash ||
        r.leaseId >= this.s.meta.nextLeaseId ||
        r.offset >= this.s.meta.head
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

  async listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 1000);
    await this.s.ready();
    const rows = await this.s.store.scan({ prefix: this.s.keys.deadPrefix(group), limit });
    return rows.map(([key, value]) => {
      const rec = fromJson<DeadRecord>(value);
      return {
        message: this.s.toMessage(decodeNum(lastPart(key)), rec.msg, rec.reconsumeTimes),
        deadAt: rec.deadAt,
        reason: rec.reason ?? "max_reconsume_times",
      };
    });
  }

  /**
   * The group's flow keys that hold messages back on this queue, most
   * waiting first: what blocks each (its earliest message in process, leased
   * or waiting for a retry; none when only the key's rate holds it back).
   */
  async blockedKeys(group: string, limit: number): Promise<BlockedKey[]> {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 1000);
    await this.s.ready();
    const g = this.s.groups.get(group);
    const now = this.s.clock.now();
    const keys = new Map<string, BlockedKey>();
    for (const [offset, p] of g?.pending ?? []) {
      if (p.fk === undefined) continue;
      let k = keys.get(p.fk);
      if (!k) {
        k = { key: p.fk, queueId: this.s.queueId, waiting: 0 };
        keys.set(p.fk, k);
      }
      if (p.waiting) k.waiting++;
      else if (k.blockedBy === undefined || offset < k.blockedBy.offset)
        k.blockedBy = {
          offset,
          state: p.leaseId !== 0 && p.visibleAt > now ? "leased" : "retrying",
          deliveryCount: p.deliveryCount,
        };
    }
    return [...keys.values()]
      .filter((k) => k.waiting > 0)
      .sort((a, b) => b.waiting - a.waiting || (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  /** The group's settings on this queue (`{}`: defaults). */
  async groupSettings(group: string): Promise<GroupSettings> {
    assertName("group", group);
    await this.s.ready();
    return this.s.groups.get(group)?.record.settings ?? {};
  }

  /** Replaces the group's settings (validated by the caller); resuming wakes waiting receives. */
  async setGroupSettings(group: string, settings: GroupSettings): Promise<void> {
    assertName("group", group);
    await this.s.mutate((ops) => {
      const g = this.s.groupState(group);
      if (Object.keys(settings).length === 0) delete g.record.settings;
      else g.record.settings = settings;
      ops.push(this.s.groupOp(g));
      this.s.notify();
    });
  }

  /**
   * Drops the group's backlog on this queue: everything not yet acknowledged
   * (new messages, leases, retries, messages waiting for their key) is
   * skipped, for lease mode and for a pull consumer's offset alike. Dead
   * letters and settings stay; the log is untouched for other groups.
   * Answers how many messages the group no longer has to process.
   */
  async purgeGroup(group: string): Promise<number> {
    assertName("group", group);
    return this.s.mutate((ops) => {
      const g = this.s.groupState(group);
      const head = this.s.durableHead;
      const purged = Math.max(0, head - g.committedOffset(this.s.meta.minOffset));
      g.pending.clear();
      const prefix = this.s.keys.pendingPrefix(group);
      ops.push({ type: "deleteRange", start: prefix, end: prefixEnd(prefix) });
      g.record.cursor = head;
      g.record.offset = Math.max(g.record.offset ?? 0, head);
      ops.push(this.s.groupOp(g));
      this.s.notify();
      return purged;
    });
  }

  /**
   * Forgets the group on this queue: its record (offset, cursor), leases,
   * retries and dead letters, in one write. The log is untouched. Answers
   * whether the queue knew the group; a later call through it starts afresh.
   */
  async deleteGroup(group: string): Promise<boolean> {
    assertName("group", group);
    return this.s.mutate((ops) => {
      if (!this.s.forgetGroup(group)) return false;
      ops.push({ type: "delete", key: this.s.keys.group(group) });
      for (const prefix of [this.s.keys.pendingPrefix(group), this.s.keys.deadPrefix(group)])
        ops.push({ type: "deleteRange", start: prefix, end: prefixEnd(prefix) });
      this.s.notify();
      return true;
    });
  }

  /** The group's dead-letter records to act on: the oldest `limit`, or only `msgIds`. */
  private async deadRows(group: string, limit: number, msgIds?: string[]) {
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 100_000);
    if (
      msgIds !== undefined &&
      (!Array.isArray(msgIds) || !msgIds.every((id) => typeof id === "string"))
    )
      throw new EdgeqError("invalid_request", "msgIds must be a list of message ids");
    await this.s.ready();
    // Taken before the scan: a reload meanwhile fails the mutation that follows.
    const generation = this.s.generation;
    const rows = await this.s.store.scan({
      prefix: this.s.keys.deadPrefix(group),
      limit: msgIds ? undefined : limit,
    });
    if (!msgIds) return { rows, generation };
    const wanted = new Set(msgIds);
    const chosen = rows
      .filter(([key, value]) =>
        wanted.has(this.s.msgIdOf(decodeNum(lastPart(key)), fromJson<DeadRecord>(value).msg)),
      )
      .slice(0, limit);
    return { rows: chosen, generation };
  }

  /** Deletes dead letters for good (the oldest `limit`, or only `msgIds`); answers how many. */
  async discardDeadLetters(group: string, limit: number, msgIds?: string[]): Promise<number> {
    const { rows, generation } = await this.deadRows(group, limit, msgIds);
    return this.s.mutate((ops) => {
      const g = this.s.groupState(group);
      for (const [key] of rows) ops.push({ type: "delete", key });
      g.record.deadLetters = Math.max(0, g.record.deadLetters - rows.length);
      ops.push(this.s.groupOp(g));
      return rows.length;
    }, generation);
  }

  /** Moves dead letters back to the group's retry queue, visible now, with a fresh reconsume count. */
  async redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    const { rows, generation } = await this.deadRows(group, limit, msgIds);
    return this.s.mutate((ops, now) => {
      const g = this.s.groupState(group);
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
        ops.push(this.s.pendingOp(g, offset, p));
      }
      g.record.deadLetters = Math.max(0, g.record.deadLetters - rows.length);
      ops.push(this.s.groupOp(g));
      this.s.notify();
      return rows.length;
    }, generation);
  }
}
