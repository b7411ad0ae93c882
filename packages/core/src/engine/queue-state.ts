import type { Clock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type { Message, QueueTotals } from "../model.js";
import { decodeNum } from "../store/keys.js";
import type { Store, StoreOp } from "../store/store.js";
import type { TopicConfig } from "./config.js";
import { queueTotals } from "./counters.js";
import { GroupCommitter } from "./group-commit.js";
import { GroupState } from "./group-state.js";
import { HISTORY_MINUTES, MINUTE_MS, sampleOf } from "./history.js";
import { newEpoch } from "./ids.js";
import {
  type LeaseMembers,
  type MessagePlace,
  msgIdOf,
  toMessage,
  toWireJson,
} from "./message-view.js";
import { ProducerCache } from "./producer-cache.js";
import type { ProducerWindow } from "./producer-window.js";
import {
  fromJson,
  type GroupRecord,
  lastPart,
  type PendingRecord,
  type ProducerRecord,
  QueueKeys,
  type QueueMeta,
  type Segment,
  type StoredMessage,
  toJson,
} from "./records.js";
import { SegmentCache } from "./segment-cache.js";

export interface QueueStateOptions {
  topic: string;
  queueId: number;
  config: TopicConfig;
  clock: Clock;
  random: () => number;
  indexKeys: boolean;
  /** Bytes of decoded segments to keep (`SegmentCache`); 0 keeps none. */
  segmentCacheBytes: number;
}

/**
 * What one queue's engine holds in memory, and the only way to change it.
 *
 * The engine is the queue's single writer (docs/architecture.md, Broker). It keeps a small view
 * in memory (head offset, producer windows, group state) and turns every
 * mutation into store ops that the GroupCommitter writes atomically. A
 * mutation is computed synchronously inside `mutate`, so two never
 * interleave; reads that must precede one are done first and re-checked
 * inside it (the `generation` says whether memory was reloaded meanwhile).
 * The engine's parts (produce, leases, maintenance) all work on this object.
 */
export class QueueState {
  readonly topic: string;
  readonly queueId: number;
  #config: TopicConfig;
  readonly keys: QueueKeys;
  readonly clock: Clock;
  readonly indexKeys: boolean;
  private readonly random: () => number;
  private readonly committer: GroupCommitter<StoreOp>;
  /**
   * The segment the last append put, and the group commit its put is in:
   * while that commit has not started flushing, later appends join the
   * segment instead of writing their own (see `appendSegment`).
   */
  private openSegment: { seg: Segment; batch: object | undefined } | undefined;

  #meta!: QueueMeta;
  #durableHead = 0;
  /** The commitlog segments read last, decoded. */
  readonly segments: SegmentCache;
  /** Producer windows, loaded on demand (a bounded cache over the `prod|` records). */
  readonly producers: ProducerCache;
  #oldestProducerCheck: number | undefined;
  #groups = new Map<string, GroupState>();
  #nextDueAt: number | undefined;
  /** While a refresh of `nextDueAt` / `oldestProducerCheck` reads the store: the earliest time noted meanwhile. */
  private notedDue: number | undefined | null = null;
  private notedCheck: number | undefined | null = null;
  /** What the engine's parts keep in memory of their own, read again on every reload (see `onLoad`). */
  private readonly loaders: Array<() => Promise<void>> = [];
  #oldestAt: number | undefined;
  #generation = 0;
  #closed = false;
  private stale: Promise<void> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly store: Store,
    options: QueueStateOptions,
  ) {
    this.topic = options.topic;
    this.queueId = options.queueId;
    this.#config = options.config;
    this.keys = new QueueKeys(options.topic, options.queueId);
    this.clock = options.clock;
    this.random = options.random;
    this.indexKeys = options.indexKeys;
    this.producers = new ProducerCache(store, this.keys);
    this.segments = new SegmentCache(options.segmentCacheBytes);
    this.committer = GroupCommitter.forStore(store, {
      failQueued: true,
      onFailure: () => {
        // Memory ran ahead of a write that failed: rebuild it from the store before the next mutation.
        this.stale ??= this.load();
      },
    });
  }

  /** The topic's settings this queue runs with (`reconfigure` changes them). */
  get config(): TopicConfig {
    return this.#config;
  }

  /** New settings for this queue (all but the queue count), effective at once. */
  reconfigure(config: TopicConfig): void {
    this.#config = config;
  }

  /** Offsets below this are in the store; only they are visible to readers (`advanceDurableHead` moves it). */
  get durableHead(): number {
    return this.#durableHead;
  }

  /** The earliest `pidl|` entry's time: the next idleness check is due `producerTtlMs` after it. */
  get oldestProducerCheck(): number | undefined {
    return this.#oldestProducerCheck;
  }

  /** Bumped on every reload: a read-then-mutate that spans one starts over. */
  get generation(): number {
    return this.#generation;
  }

  /** Whether `close` was called: later calls fail `closed`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops the queue: waiting long-polls answer now, and later calls fail `closed`. */
  close(): void {
    this.#closed = true;
    this.notify();
  }

  /** The queue's meta record as last changed in memory; the methods below change it. */
  get meta(): Readonly<QueueMeta> {
    return this.#meta;
  }

  /** The queue's running totals (see counters.ts); `countProduced`, `countDuplicates` add to them. */
  get totals(): Readonly<QueueTotals> {
    return queueTotals(this.#meta);
  }

  countProduced(n: number): void {
    queueTotals(this.#meta).produced += n;
  }

  countDuplicates(n: number): void {
    queueTotals(this.#meta).duplicates += n;
  }

  /** A new delayed message's number (its `sid`). */
  takeSid(): number {
    return this.#meta.nextSid++;
  }

  /** A new lease's id. */
  takeLeaseId(): number {
    return this.#meta.nextLeaseId++;
  }

  /** Transaction `num` (`meta.nextTxNum`, or 1) is taken. */
  txNumTaken(num: number): void {
    this.#meta.nextTxNum = num + 1;
  }

  /** One more delayed message waits in the store. */
  scheduledAdded(): void {
    this.#meta.scheduled = (this.#meta.scheduled ?? 0) + 1;
  }

  /** `n` delayed messages left the store (released into the log). */
  scheduledReleased(n: number): void {
    this.#meta.scheduled = Math.max(0, (this.#meta.scheduled ?? 0) - n);
  }

  /** Retention deleted the segments below `minOffset`, `freedBytes` in all. */
  retainFrom(minOffset: number, freedBytes: number): void {
    this.#meta.minOffset = minOffset;
    this.#meta.bytes -= freedBytes;
  }

  /** A purge deleted every message, delayed ones too (`forgetLog` drops what memory kept of them). */
  logPurged(): void {
    this.#meta.minOffset = this.#meta.head;
    this.#meta.bytes = 0;
    this.#meta.scheduled = 0;
  }

  /** Each group's state on this queue (`groupState` adds one, `forgetGroup` drops one). */
  get groups(): ReadonlyMap<string, GroupState> {
    return this.#groups;
  }

  /**
   * When the earliest delayed message is due (a lower bound: it may be one
   * already released). Delayed messages themselves stay in the store, ordered
   * by due time (`sched|`); `meta.scheduled` counts them.
   */
  get nextDueAt(): number | undefined {
    return this.#nextDueAt;
  }

  /** `lastAt` of the oldest segment, for age retention. */
  get oldestAt(): number | undefined {
    return this.#oldestAt;
  }

  async load(): Promise<void> {
    try {
      const k = this.keys;
      const meta = await this.store.get(k.meta());
      if (meta === undefined) {
        this.#meta = {
          epoch: newEpoch(this.random),
          head: 0,
          minOffset: 0,
          bytes: 0,
          nextSid: 1,
          nextLeaseId: 1,
          scheduled: 0,
          producerIndex: true,
        };
        await this.store.write([{ type: "put", key: k.meta(), value: toJson(this.#meta) }]);
      } else {
        this.#meta = fromJson<QueueMeta>(meta);
      }
      this.#durableHead = this.#meta.head;
      this.producers.clear();
      this.segments.clear();
      this.openSegment = undefined;
      if (!this.#meta.producerIndex) await this.indexProducers();
      this.#oldestProducerCheck = await this.firstIndexTime(k.producerIdlePrefix());
      this.#groups = new Map();
      for (const [key, value] of await this.store.scan({ prefix: k.groupPrefix() })) {
        const name = lastPart(key);
        this.#groups.set(name, new GroupState(name, fromJson<GroupRecord>(value)));
      }
      for (const [key, value] of await this.store.scan({ prefix: k.pendingPrefix() })) {
        const parts = key.split("|");
        const group = this.groupState(parts[parts.length - 2]!);
        group.pending.set(decodeNum(parts[parts.length - 1]!), fromJson<PendingRecord>(value));
      }
      if (this.#meta.scheduled === undefined) this.#meta.scheduled = await this.countScheduled();
      this.#nextDueAt = await this.firstIndexTime(k.scheduledPrefix());
      for (const loader of this.loaders) await loader();
      this.#oldestAt = await this.oldestSegmentAt();
      this.#generation++;
    } finally {
      this.stale = undefined;
    }
  }

  /**
   * Has `loader` run on every `load`, before the generation changes: a part
   * that owns state of its own (as `Transactions` its half messages) rebuilds
   * it from the store with the rest.
   */
  onLoad(loader: () => Promise<void>): void {
    this.loaders.push(loader);
  }

  /** The `lastAt` of the oldest segment in the store. */
  private async oldestSegmentAt(): Promise<number | undefined> {
    const [oldest] = await this.store.scan({ prefix: this.keys.segmentPrefix(), limit: 1 });
    return oldest ? fromJson<Segment>(oldest[1]).lastAt : undefined;
  }

  /** Retention deleted segments: reads which one is the oldest now. */
  async refreshOldestAt(): Promise<void> {
    this.#oldestAt = await this.oldestSegmentAt();
  }

  /** The log was purged: no segment and no delayed message is left. */
  forgetLog(): void {
    this.segments.clear();
    this.#oldestAt = undefined;
    this.#nextDueAt = undefined;
  }

  /** The time part of the first entry under a time-ordered prefix (`sched|`, `pidl|`). */
  private async firstIndexTime(prefix: string): Promise<number | undefined> {
    const [first] = await this.store.scan({ prefix, limit: 1 });
    return first ? decodeNum(first[0].slice(prefix.length).split("|")[0]!) : undefined;
  }

  /** Older queues kept no count of their delayed messages: count them once, a page at a time. */
  private async countScheduled(): Promise<number> {
    let n = 0;
    let start = this.keys.scheduledPrefix();
    for (;;) {
      const page = await this.store.scan({
        prefix: this.keys.scheduledPrefix(),
        start,
        limit: 512,
      });
      n += page.length;
      if (page.length < 512) return n;
      start = `${page[page.length - 1]![0]} `;
    }
  }

  /** Older queues had no idleness index of their producers: build it once, a page at a time. */
  private async indexProducers(): Promise<void> {
    const prefix = this.keys.producerPrefix();
    let start = prefix;
    for (;;) {
      const page = await this.store.scan({ prefix, start, limit: 512 });
      const ops: StoreOp[] = [];
      for (const [key, value] of page) {
        const rec = fromJson<ProducerRecord>(value);
        if (rec.idx !== undefined) continue;
        const id = lastPart(key);
        ops.push({ type: "put", key, value: toJson({ ...rec, idx: rec.lastSeenAt }) });
        ops.push({ type: "put", key: this.keys.producerIdle(rec.lastSeenAt, id), value: 0 });
      }
      if (ops.length) await this.store.write(ops);
      if (page.length < 512) break;
      start = `${page[page.length - 1]![0]} `;
    }
    this.#meta.producerIndex = true;
    await this.store.write([this.metaOp()]);
  }

  /** A delayed message now waits until `dueAt`. */
  noteScheduled(dueAt: number): void {
    if (this.#nextDueAt === undefined || dueAt < this.#nextDueAt) this.#nextDueAt = dueAt;
    if (this.notedDue !== null && (this.notedDue === undefined || dueAt < this.notedDue))
      this.notedDue = dueAt;
  }

  /**
   * Starts a refresh of `nextDueAt`: call before the mutation that releases
   * messages, then `endDueRefresh` after it, so a delay noted meanwhile (whose
   * write may still be in flight, invisible to the scan) is not lost.
   */
  beginDueRefresh(): void {
    this.notedDue = undefined;
  }

  async endDueRefresh(): Promise<void> {
    const first = await this.firstIndexTime(this.keys.scheduledPrefix());
    const noted = this.notedDue ?? undefined;
    this.notedDue = null;
    this.#nextDueAt = first === undefined || (noted !== undefined && noted < first) ? noted : first;
  }

  /** Same as the due-time refresh, for the producers' idleness index. */
  beginProducerCheckRefresh(): void {
    this.notedCheck = undefined;
  }

  async endProducerCheckRefresh(): Promise<void> {
    const first = await this.firstIndexTime(this.keys.producerIdlePrefix());
    const noted = this.notedCheck ?? undefined;
    this.notedCheck = null;
    this.#oldestProducerCheck =
      first === undefined || (noted !== undefined && noted < first) ? noted : first;
  }

  /** Moves a producer's idleness index entry to `at` (or adds it). */
  indexProducer(ops: StoreOp[], producerId: string, window: ProducerWindow, at: number): void {
    if (window.indexedAt !== undefined)
      ops.push({ type: "delete", key: this.keys.producerIdle(window.indexedAt, producerId) });
    window.indexedAt = at;
    ops.push({ type: "put", key: this.keys.producerIdle(at, producerId), value: 0 });
    if (this.#oldestProducerCheck === undefined || at < this.#oldestProducerCheck)
      this.#oldestProducerCheck = at;
    if (this.notedCheck !== null && (this.notedCheck === undefined || at < this.notedCheck))
      this.notedCheck = at;
  }

  async ready(): Promise<void> {
    if (this.#closed)
      throw new EdgeqError("closed", `queue ${this.topic}/${this.queueId} is closed`);
    while (this.stale) await this.stale;
  }

  /**
   * Runs `fn` against memory, synchronously, and commits the ops it emits.
   * Resolves after they are durable: the caller acknowledges nothing sooner.
   */
  async mutate<T>(fn: (ops: StoreOp[], now: number) => T, generation?: number): Promise<T> {
    await this.ready();
    if (generation !== undefined && generation !== this.#generation)
      throw new EdgeqError("unavailable", "the queue reloaded during the request; retry it");
    const ops: StoreOp[] = [];
    const now = this.clock.now();
    const sampled = this.#meta.sampledMinute;
    this.sampleHistory(ops, now);
    let result: T;
    try {
      result = fn(ops, now);
    } catch (error) {
      // Nothing is written: the sample is taken again by the next change.
      if (sampled === undefined) delete this.#meta.sampledMinute;
      else this.#meta.sampledMinute = sampled;
      throw error;
    }
    // A range delete may cover the open segment's key: what joins it later would be deleted with it.
    if (ops.some((op) => op.type === "deleteRange")) this.openSegment = undefined;
    const committed = this.committer.commit(ops);
    if (this.openSegment && this.openSegment.batch === undefined)
      this.openSegment.batch = this.committer.openBatch;
    await committed;
    return result;
  }

  /**
   * The first change of a minute writes the state the queue had at the end
   * of the minute before (nothing changed it since the last change), and
   * drops samples past HISTORY_MINUTES: one put and one range delete a
   * minute at most, however busy the queue, and nothing while it is idle.
   */
  private sampleHistory(ops: StoreOp[], now: number): void {
    const minute = Math.floor(now / MINUTE_MS) - 1;
    if (this.#meta.sampledMinute !== undefined && minute <= this.#meta.sampledMinute) return;
    ops.push({
      type: "put",
      key: this.keys.history(minute),
      value: toJson(sampleOf(this, minute)),
    });
    ops.push({
      type: "deleteRange",
      start: this.keys.historyPrefix(),
      end: this.keys.history(minute - HISTORY_MINUTES + 1),
    });
    this.#meta.sampledMinute = minute;
    ops.push(this.metaOp());
  }

  /**
   * Puts `msgs` at the head of the log. Appends of one group commit share
   * one segment, up to a batch's limits: 64 producers sending one message
   * each at once write one record, as one batch of 64 would. The segment's
   * put is in that commit's ops and the store reads it only when the commit
   * flushes, so it may grow until then; readers cannot tell it from the
   * separate segments it replaces.
   */
  appendSegment(ops: StoreOp[], msgs: StoredMessage[], bytes: number, now: number): void {
    const open = this.openSegment;
    if (
      open?.batch !== undefined &&
      open.batch === this.committer.openBatch &&
      open.seg.first + open.seg.msgs.length === this.#meta.head &&
      open.seg.msgs.length + msgs.length <= this.config.maxBatchMessages &&
      open.seg.bytes + bytes <= this.config.maxBatchBytes
    ) {
      for (const m of msgs) open.seg.msgs.push(m);
      open.seg.bytes += bytes;
      open.seg.lastAt = Math.max(open.seg.lastAt, now);
    } else {
      const seg: Segment = { first: this.#meta.head, lastAt: now, bytes, msgs };
      ops.push({ type: "put", key: this.keys.segment(seg.first), value: toJson(seg) });
      this.openSegment = { seg, batch: undefined };
    }
    this.#meta.head += msgs.length;
    this.#meta.bytes += bytes;
    this.#oldestAt ??= now;
  }

  advanceDurableHead(head: number): void {
    if (head > this.#durableHead) {
      this.#durableHead = head;
      this.notify();
    }
  }

  /** Resolves at the next change of the queue (`notify`), or when `signal` aborts. */
  waitForChange(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.listeners.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.listeners.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  groupState(name: string): GroupState {
    let g = this.#groups.get(name);
    if (!g) {
      g = new GroupState(name);
      this.#groups.set(name, g);
    }
    return g;
  }

  /** Forgets the group's state in memory (the caller deletes its records); whether there was one. */
  forgetGroup(name: string): boolean {
    return this.#groups.delete(name);
  }

  /**
   * The producer's dedup window, stamped as seen now. A producer new to the
   * index gets its entry now; an indexed one keeps it until the idleness
   * check comes for it (see `Maintenance`), so a busy producer costs no
   * index write per append.
   */
  producerOps(ops: StoreOp[], producerId: string, window: ProducerWindow, now: number): void {
    window.lastSeenAt = now;
    if (window.indexedAt === undefined) this.indexProducer(ops, producerId, window, now);
    window.writeOps(ops, this.keys, producerId);
  }

  metaOp(): StoreOp {
    return { type: "put", key: this.keys.meta(), value: toJson(this.#meta) };
  }

  groupOp(g: GroupState): StoreOp {
    return { type: "put", key: this.keys.group(g.name), value: toJson(g.record) };
  }

  pendingOp(g: GroupState, offset: number, p: PendingRecord): StoreOp {
    return { type: "put", key: this.keys.pending(g.name, offset), value: toJson(p) };
  }

  msgIdOf(offset: number, msg: StoredMessage): string {
    return msgIdOf(this.#meta.epoch, this.queueId, offset, msg);
  }

  /** Where the message at `offset` is read from, for its views (message-view.ts). */
  placeOf(offset: number, reconsumeTimes: number): MessagePlace {
    const { topic, queueId } = this;
    return { topic, queueId, epoch: this.#meta.epoch, offset, reconsumeTimes };
  }

  toMessage(offset: number, msg: StoredMessage, reconsumeTimes: number): Message {
    return toMessage(this.placeOf(offset, reconsumeTimes), msg);
  }

  toWireJson(
    offset: number,
    msg: StoredMessage,
    reconsumeTimes: number,
    lease?: LeaseMembers,
  ): string {
    return toWireJson(this.placeOf(offset, reconsumeTimes), msg, lease);
  }
}
