import { type Clock, systemClock } from "../clock.js";
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
import type { Store } from "../store/store.js";
import { pickQueue } from "../util/hash.js";
import { resolveTopicConfig, type TopicConfig } from "./config.js";
import { queueOf } from "./ids.js";
import { QueueEngine } from "./queue-engine.js";
import { fromJson, toJson } from "./records.js";
import {
  assertIntInRange,
  assertName,
  assertOffset,
  assertReceipts,
  isPlainObject,
  type NormalizedAppend,
  normalizeAppend,
} from "./validate.js";

export interface BrokerOptions {
  store: Store;
  /** Default: the system clock. */
  clock?: Clock;
  /** Source of queue epochs. Default `Math.random`. */
  random?: () => number;
  /** Run `tick()` on a timer at `nextWakeUp()`. Default: true with the system clock, false with an injected one (tests tick by hand). */
  autoTick?: boolean;
  /** Maintain the key index for `queryByKey`. Default true. */
  indexKeys?: boolean;
}

export interface BrokerReadOptions {
  from: number;
  /** Default 100, at most 1,000. */
  limit?: number;
  waitMs?: number;
  tags?: string[];
  signal?: AbortSignal;
}

export interface BrokerReceiveOptions {
  /** Default 10, at most 1,000. */
  max?: number;
  /** Default: the topic's `defaultVisibilityMs`. */
  visibilityMs?: number;
  waitMs?: number;
  retriesOnly?: boolean;
  tags?: string[];
  signal?: AbortSignal;
}

/** Longest long-poll any call may ask for. */
export const MAX_WAIT_MS = 30_000;
const TOPIC_PREFIX = "topic|";

/**
 * Topics over queue engines, in one process: routes produced messages to
 * queues, gathers receives across queues, and drives the engines' timers.
 * Edge hosts run one QueueEngine per Durable Object instead and route with
 * the same helpers (`pickQueue`, `queueOf`).
 */
export class Broker {
  private readonly topics = new Map<string, { config: TopicConfig; engines: QueueEngine[] }>();
  private readonly clock: Clock;
  private readonly autoTick: boolean;
  private timer: unknown;
  private roundRobin = 0;
  private closed = false;

  private constructor(private readonly options: BrokerOptions) {
    this.clock = options.clock ?? systemClock;
    this.autoTick = options.autoTick ?? options.clock === undefined;
  }

  /** Opens every topic the store holds, so delayed messages and retries resume after a restart. */
  static async open(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    for (const [key, value] of await options.store.scan({ prefix: TOPIC_PREFIX }))
      await broker.openTopic(key.slice(TOPIC_PREFIX.length), fromJson<TopicConfig>(value));
    broker.schedule();
    return broker;
  }

  /** Creates a topic, or returns the existing one's config. Changing an existing topic's queue count is a `conflict`. */
  async createTopic(name: string, config: Partial<TopicConfig> = {}): Promise<TopicConfig> {
    assertName("topic", name);
    const existing = this.topics.get(name);
    if (existing) {
      if (config.queueCount !== undefined && config.queueCount !== existing.config.queueCount)
        throw new EdgeqError(
          "conflict",
          `topic ${name} already has ${existing.config.queueCount} queues`,
        );
      return existing.config;
    }
    const resolved = resolveTopicConfig(config);
    await this.options.store.write([
      { type: "put", key: TOPIC_PREFIX + name, value: toJson(resolved) },
    ]);
    await this.openTopic(name, resolved);
    return resolved;
  }

  /** Changes a topic's settings (all but its queue count) for every queue at once. */
  async updateTopic(
    name: string,
    changes: Partial<Omit<TopicConfig, "queueCount">>,
  ): Promise<TopicConfig> {
    const topic = this.topic(name);
    const resolved = resolveTopicConfig({
      ...topic.config,
      ...changes,
      queueCount: topic.config.queueCount,
    });
    await this.options.store.write([
      { type: "put", key: TOPIC_PREFIX + name, value: toJson(resolved) },
    ]);
    topic.config = resolved;
    for (const engine of topic.engines) engine.config = resolved;
    this.schedule();
    return resolved;
  }

  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  topicConfig(name: string): TopicConfig {
    return this.topic(name).config;
  }

  // ── produce ────────────────────────────────────────────────────────────

  /**
   * Appends a batch, each message to the queue its key (or producer) picks.
   * The whole request is validated first, so a bad one stores nothing.
   */
  async send(topicName: string, request: unknown): Promise<SendResult[]> {
    const topic = this.topic(topicName);
    const batch = normalizeAppend(request, topic.config, this.clock.now());
    const count = topic.config.queueCount;
    const byQueue = new Map<number, { indexes: number[]; request: NormalizedAppend }>();
    batch.messages.forEach((m, i) => {
      const queueId = pickQueue(count, m.key, batch.producerId, () => this.roundRobin++);
      let part = byQueue.get(queueId);
      if (!part) {
        part = { indexes: [], request: { ...batch, messages: [] } };
        byQueue.set(queueId, part);
      }
      part.indexes.push(i);
      part.request.messages.push(m);
    });
    const results: SendResult[] = new Array(batch.messages.length);
    await Promise.all(
      [...byQueue].map(async ([queueId, part]) => {
        const stored = await topic.engines[queueId]!.append(part.request);
        stored.forEach((r, j) => {
          results[part.indexes[j]!] = r;
        });
      }),
    );
    this.schedule();
    return results;
  }

  // ── read ───────────────────────────────────────────────────────────────

  async read(topicName: string, queueId: number, options: BrokerReadOptions): Promise<ReadResult> {
    const engine = this.engine(topicName, queueId);
    const limit = options.limit ?? 100;
    const tags = options.tags;
    const waitMs = assertIntInRange("waitMs", options.waitMs ?? 0, 0, MAX_WAIT_MS);
    let result = await engine.read(options.from, limit, tags);
    const deadline = Date.now() + waitMs;
    while (
      result.messages.length === 0 &&
      result.nextOffset === result.headOffset &&
      Date.now() < deadline
    ) {
      if (options.signal?.aborted) break;
      await engine.waitForAppend(result.nextOffset, deadline - Date.now(), options.signal);
      result = await engine.read(result.nextOffset, limit, tags);
    }
    return result;
  }

  // ── consumer group offsets ─────────────────────────────────────────────

  /** Committed offsets of a group, by queue id; queues the group never touched are absent. */
  getOffsets(topicName: string, group: string): Record<string, number> {
    const topic = this.topic(topicName);
    assertName("group", group);
    const out: Record<string, number> = {};
    for (const engine of topic.engines) {
      const offset = engine.committedOffset(group);
      if (offset !== undefined) out[String(engine.queueId)] = offset;
    }
    return out;
  }

  async commitOffsets(
    topicName: string,
    group: string,
    offsets: unknown,
    reset = false,
  ): Promise<Record<string, number>> {
    const topic = this.topic(topicName);
    assertName("group", group);
    if (!isPlainObject(offsets) || Object.keys(offsets).length === 0)
      throw new EdgeqError("invalid_request", "offsets must be an object of queue id to offset");
    const entries = Object.entries(offsets).map(([q, offset]) => {
      const engine = this.engineOf(topic, topicName, Number(q));
      assertOffset(`offsets.${q}`, offset);
      return [engine, offset] as const;
    });
    const out: Record<string, number> = {};
    for (const [engine, offset] of entries)
      out[String(engine.queueId)] = await engine.commitOffset(group, offset, reset);
    return out;
  }

  // ── lease mode ─────────────────────────────────────────────────────────

  /** Leases up to `max` messages across the topic's queues, starting at a rotating queue so none starves. */
  async receive(
    topicName: string,
    group: string,
    options: BrokerReceiveOptions = {},
  ): Promise<LeasedMessage[]> {
    const topic = this.topic(topicName);
    assertName("group", group);
    const c = topic.config;
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
    const deadline = Date.now() + waitMs;
    for (;;) {
      const out: LeasedMessage[] = [];
      const start = this.roundRobin++;
      for (let i = 0; i < topic.engines.length && out.length < max; i++) {
        const engine = topic.engines[(start + i) % topic.engines.length]!;
        out.push(...(await engine.receive(group, { ...params, max: max - out.length })));
      }
      this.schedule();
      const left = deadline - Date.now();
      if (out.length > 0 || left <= 0 || options.signal?.aborted) return out;
      await Promise.race(topic.engines.map((e) => e.waitForReceivable(left, options.signal)));
    }
  }

  async ack(topicName: string, group: string, receipts: unknown): Promise<void> {
    await this.forReceipts(topicName, group, receipts, (engine, list) => engine.ack(group, list));
  }

  async nack(topicName: string, group: string, receipts: unknown, delayMs?: number): Promise<void> {
    await this.forReceipts(topicName, group, receipts, (engine, list) =>
      engine.nack(group, list, delayMs),
    );
  }

  async extend(
    topicName: string,
    group: string,
    receipts: unknown,
    visibilityMs: number,
  ): Promise<void> {
    await this.forReceipts(topicName, group, receipts, (engine, list) =>
      engine.extend(group, list, visibilityMs),
    );
  }

  async sendBack(
    topicName: string,
    group: string,
    queueId: number,
    offset: number,
    delayMs?: number,
  ): Promise<void> {
    const engine = this.engine(topicName, queueId);
    await engine.sendBack(group, offset, delayMs);
    this.schedule();
  }

  private async forReceipts(
    topicName: string,
    group: string,
    receipts: unknown,
    apply: (engine: QueueEngine, receipts: string[]) => Promise<void>,
  ): Promise<void> {
    const topic = this.topic(topicName);
    assertName("group", group);
    const list = assertReceipts(receipts);
    const byQueue = new Map<QueueEngine, string[]>();
    const unknown: string[] = [];
    for (const receipt of list) {
      const engine = topic.engines[queueOf(receipt) ?? -1];
      if (!engine) unknown.push(receipt);
      else byQueue.set(engine, [...(byQueue.get(engine) ?? []), receipt]);
    }
    if (unknown.length)
      throw new EdgeqError("not_found", `unknown receipt: ${unknown[0]}`, {
        details: { receipts: unknown },
      });
    // Each queue's part is all-or-nothing; a call that spans queues is applied queue by queue.
    for (const [engine, part] of byQueue) await apply(engine, part);
    this.schedule();
  }

  // ── dead letters ───────────────────────────────────────────────────────

  async listDeadLetters(topicName: string, group: string, limit = 100): Promise<DeadLetter[]> {
    const topic = this.topic(topicName);
    assertName("group", group);
    assertIntInRange("limit", limit, 1, 1000);
    // Each queue's oldest `limit`, merged: the topic's oldest `limit`.
    const all = (
      await Promise.all(topic.engines.map((e) => e.listDeadLetters(group, limit)))
    ).flat();
    return all.sort((a, b) => a.deadAt - b.deadAt).slice(0, limit);
  }

  async redrive(
    topicName: string,
    group: string,
    options: { limit?: number; msgIds?: string[] } = {},
  ): Promise<number> {
    const topic = this.topic(topicName);
    assertName("group", group);
    const limit = assertIntInRange("limit", options.limit ?? 1000, 1, 100_000);
    let moved = 0;
    for (const engine of topic.engines) {
      if (moved >= limit) break;
      moved += await engine.redrive(group, limit - moved, options.msgIds);
    }
    this.schedule();
    return moved;
  }

  // ── query ──────────────────────────────────────────────────────────────

  async getMessage(topicName: string, msgId: string): Promise<Message> {
    const topic = this.topic(topicName);
    const engine = topic.engines[queueOf(msgId) ?? -1];
    if (!engine) throw new EdgeqError("not_found", `no message ${msgId}`);
    return engine.getMessage(msgId);
  }

  /** A key's messages all live on the queue the key hashes to, so one queue answers. */
  async queryByKey(
    topicName: string,
    key: string,
    options: { limit?: number; from?: number; to?: number } = {},
  ): Promise<Message[]> {
    const topic = this.topic(topicName);
    if (typeof key !== "string") throw new EdgeqError("invalid_request", "key is required");
    const queueId = pickQueue(topic.config.queueCount, key, undefined, () => 0);
    return topic.engines[queueId]!.queryByKey(key, options.limit ?? 32, options.from, options.to);
  }

  // ── stats and timers ───────────────────────────────────────────────────

  stats(topicName: string): TopicStats {
    const topic = this.topic(topicName);
    const groups: Record<string, GroupStats> = {};
    const names = new Set(topic.engines.flatMap((e) => e.groupNames()));
    for (const name of [...names].sort()) {
      const queues = topic.engines.map((e) => e.groupStats(name));
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
    return { topic: topicName, queues: topic.engines.map((e) => e.queueStats()), groups };
  }

  nextWakeUp(): number | undefined {
    let next: number | undefined;
    for (const topic of this.topics.values())
      for (const engine of topic.engines) {
        const t = engine.nextWakeUp();
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
    return next;
  }

  /** Runs every engine's due work. Hosts without `autoTick` call this at `nextWakeUp()`. */
  async tick(): Promise<void> {
    for (const topic of this.topics.values())
      for (const engine of topic.engines) await engine.tick();
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const topic of this.topics.values())
      for (const engine of topic.engines) await engine.close();
    await this.options.store.close();
  }

  // ── internals ──────────────────────────────────────────────────────────

  private async openTopic(name: string, config: TopicConfig): Promise<void> {
    const engines: QueueEngine[] = [];
    for (let queueId = 0; queueId < config.queueCount; queueId++)
      engines.push(
        await QueueEngine.open(this.options.store, {
          topic: name,
          queueId,
          config,
          clock: this.clock,
          ...(this.options.random ? { random: this.options.random } : {}),
          ...(this.options.indexKeys === undefined ? {} : { indexKeys: this.options.indexKeys }),
        }),
      );
    this.topics.set(name, { config, engines });
  }

  private topic(name: string): { config: TopicConfig; engines: QueueEngine[] } {
    if (this.closed) throw new EdgeqError("closed", "broker is closed");
    assertName("topic", name);
    const topic = this.topics.get(name);
    if (!topic) throw new EdgeqError("not_found", `unknown topic ${name}`);
    return topic;
  }

  private engine(topicName: string, queueId: number): QueueEngine {
    return this.engineOf(this.topic(topicName), topicName, queueId);
  }

  private engineOf(
    topic: { engines: QueueEngine[] },
    topicName: string,
    queueId: number,
  ): QueueEngine {
    const engine = Number.isInteger(queueId) ? topic.engines[queueId] : undefined;
    if (!engine) throw new EdgeqError("not_found", `topic ${topicName} has no queue ${queueId}`);
    return engine;
  }

  private schedule(): void {
    if (!this.autoTick || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.nextWakeUp();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick().catch(() => this.schedule());
    }, delay);
    // A pending wake-up must not keep a Node process alive on its own.
    (this.timer as { unref?: () => void }).unref?.();
  }
}

function sum<K extends string>(rows: Array<Record<K, number>>, key: K): number {
  return rows.reduce((n, r) => n + r[key], 0);
}
