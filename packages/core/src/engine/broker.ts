import { type Clock, systemClock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type {
  DeadLetter,
  LeasedMessage,
  Message,
  ReadResult,
  SendResult,
  TopicStats,
  TransactionChecker,
  TransactionInfo,
} from "../model.js";
import type { Store } from "../store/store.js";
import { resolveTopicConfig, type TopicConfig } from "./config.js";
import type { GroupSettings } from "./group-settings.js";
import type { TopicHistory } from "./history.js";
import { QueueEngine } from "./queue-engine.js";
import { fromJson, toJson } from "./records.js";
import { RouterRotations } from "./rotations.js";
import { type RouterReadOptions, type RouterReceiveOptions, TopicRouter } from "./topic-router.js";
import { assertName } from "./validate.js";

/** What `Broker.open` needs. */
export interface BrokerOptions {
  /** Holds every topic's queues and the topic registry. */
  store: Store;
  /** Default: the system clock. */
  clock?: Clock;
  /** Source of queue epochs. Default `Math.random`. */
  random?: () => number;
  /** Run `tick()` on a timer at `nextWakeUp()`. Default: true with the system clock, false with an injected one (tests tick by hand). */
  autoTick?: boolean;
  /** Maintain the key index behind `queryByKey`. Default true (see `QueueEngineOptions.indexKeys`). */
  indexKeys?: boolean;
}

interface Topic {
  config: TopicConfig;
  engines: QueueEngine[];
  router: TopicRouter;
}

const TOPIC_PREFIX = "topic|";

/**
 * Topics over queue engines, in one process: keeps the topic registry in the
 * store, gives each topic a TopicRouter over its QueueEngines, and drives the
 * engines' timers. The edge Worker runs the same TopicRouter over Durable
 * Object queues instead.
 */
export class Broker {
  private readonly topics = new Map<string, Topic>();
  private readonly clock: Clock;
  private readonly autoTick: boolean;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** In-process check-back: producers register here (see `Producer.startTransactionChecks`). */
  private readonly checkers = new Map<string, TransactionChecker>();
  /** Every topic's turns (anonymous sends, each group's receives), kept across `updateTopic`. */
  private readonly rotations: RouterRotations;

  private constructor(private readonly options: BrokerOptions) {
    this.clock = options.clock ?? systemClock;
    this.rotations = new RouterRotations(options.random ?? Math.random);
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
    topic.router = this.newRouter(name, resolved, topic.engines);
    this.schedule();
    return resolved;
  }

  /** The names of every topic, in creation order. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** A topic's settings; `not_found` for an unknown topic. */
  topicConfig(name: string): TopicConfig {
    return this.topic(name).config;
  }

  /** The topic's router: every produce and consume call of the topic. */
  router(topicName: string): TopicRouter {
    return this.topic(topicName).router;
  }

  // The calls below are the router's, plus re-arming the wake-up timer after
  // anything that may have moved it.

  /** Appends a batch (validated as a produce request) to the topic; one result per message, in order. */
  async send(topicName: string, request: unknown): Promise<SendResult[]> {
    return this.after(this.router(topicName).send(request));
  }

  /** Reads a queue by offset (pull mode); nothing is leased or committed. */
  async read(topicName: string, queueId: number, options: RouterReadOptions): Promise<ReadResult> {
    return this.router(topicName).read(queueId, options);
  }

  /** A group's committed offset per queue id. */
  async getOffsets(topicName: string, group: string): Promise<Record<string, number>> {
    return this.router(topicName).getOffsets(group);
  }

  /** Per queue id, the first offset produced at or after `at` (ms); the head when none was. */
  async offsetsAt(topicName: string, at: number): Promise<Record<string, number>> {
    return this.router(topicName).offsetsAt(at);
  }

  /** Commits a group's offsets (queue id → next offset to read); they only move forward unless `reset`. */
  async commitOffsets(
    topicName: string,
    group: string,
    offsets: unknown,
    reset = false,
  ): Promise<Record<string, number>> {
    return this.router(topicName).commitOffsets(group, offsets, reset);
  }

  /** Leases up to `max` deliverable messages for `group`, taking turns over the topic's queues. */
  async receive(
    topicName: string,
    group: string,
    options: RouterReceiveOptions = {},
  ): Promise<LeasedMessage[]> {
    return this.after(this.router(topicName).receive(group, options));
  }

  /** Settles leased messages for good (receipts from `receive`). */
  async ack(topicName: string, group: string, receipts: unknown): Promise<void> {
    return this.after(this.router(topicName).ack(group, receipts));
  }

  /** Gives leased messages back: each goes to the group's retry schedule (or `delayMs`), then its dead letters. */
  async nack(topicName: string, group: string, receipts: unknown, delayMs?: number): Promise<void> {
    return this.after(this.router(topicName).nack(group, receipts, delayMs));
  }

  /** Extends the leases of `receipts` to `visibilityMs` from now. */
  async extend(
    topicName: string,
    group: string,
    receipts: unknown,
    visibilityMs: number,
  ): Promise<void> {
    return this.after(this.router(topicName).extend(group, receipts, visibilityMs));
  }

  /** A pull consumer's failed message at `offset`, sent to the group's retry schedule (RocketMQ's consumer send-back). */
  async sendBack(
    topicName: string,
    group: string,
    queueId: number,
    offset: number,
    delayMs?: number,
  ): Promise<void> {
    return this.after(this.router(topicName).sendBack(group, queueId, offset, delayMs));
  }

  /** The group's dead letters, oldest first, each with its reason and delivery count. */
  async listDeadLetters(topicName: string, group: string, limit?: number): Promise<DeadLetter[]> {
    return this.router(topicName).listDeadLetters(group, limit);
  }

  /** Moves dead letters (all, up to `limit`, or only `msgIds`) back to the group's retry schedule; answers how many moved. */
  async redrive(
    topicName: string,
    group: string,
    options: { limit?: number; msgIds?: string[] } = {},
  ): Promise<number> {
    return this.after(this.router(topicName).redrive(group, options));
  }

  /** Deletes dead letters for good (all, up to `limit`, or only `msgIds`); answers how many. */
  async discardDeadLetters(
    topicName: string,
    group: string,
    options: { limit?: number; msgIds?: string[] } = {},
  ): Promise<number> {
    return this.after(this.router(topicName).discardDeadLetters(group, options));
  }

  /** A group's settings (`{}`: defaults). */
  async groupSettings(topicName: string, group: string): Promise<GroupSettings> {
    return this.router(topicName).groupSettings(group);
  }

  /** Replaces a group's settings (ordered, flow, paused, maxRetries, retryDelayMs); answers them. */
  async setGroupSettings(
    topicName: string,
    group: string,
    settings: unknown,
  ): Promise<GroupSettings> {
    return this.after(this.router(topicName).setGroupSettings(group, settings));
  }

  /** Skips a group's whole backlog; answers how many messages it skipped. */
  async purgeGroup(topicName: string, group: string): Promise<number> {
    return this.after(this.router(topicName).purgeGroup(group));
  }

  /** Deletes every message of the topic; answers how many. */
  async purge(topicName: string): Promise<number> {
    return this.after(this.router(topicName).purge());
  }

  /** Deletes a consumer group from every queue of the topic; `not_found` when none knew it. */
  async deleteGroup(topicName: string, group: string): Promise<void> {
    return this.after(this.router(topicName).deleteGroup(group));
  }

  /** One message by its msgId; `not_found` when it is not (or no longer) in the log. */
  async getMessage(topicName: string, msgId: string): Promise<Message> {
    return this.router(topicName).getMessage(msgId);
  }

  /** Messages with `key`, oldest first, optionally within a `producedAt` window. */
  async queryByKey(
    topicName: string,
    key: string,
    options: { limit?: number; from?: number; to?: number } = {},
  ): Promise<Message[]> {
    return this.router(topicName).queryByKey(key, options);
  }

  /** Commits or rolls back a half message (`action`: `commit` | `rollback`). */
  async endTransaction(
    topicName: string,
    txId: unknown,
    action: unknown,
  ): Promise<TransactionInfo> {
    return this.after(this.router(topicName).endTransaction(txId, action));
  }

  /** Transactions of the topic, optionally of one producer or in one state. */
  async listTransactions(
    topicName: string,
    filter: { producerId?: unknown; state?: unknown } = {},
  ): Promise<TransactionInfo[]> {
    return this.router(topicName).listTransactions(filter);
  }

  /**
   * Answers check-backs for `producerId`'s transactions in this process;
   * returns the function that removes it. Without one, an undecided
   * transaction waits for the producer to poll (`listTransactions`) until the
   * last check rolls it back.
   */
  onTransactionCheck(producerId: string, checker: TransactionChecker): () => void {
    assertName("producerId", producerId);
    this.checkers.set(producerId, checker);
    return () => {
      if (this.checkers.get(producerId) === checker) this.checkers.delete(producerId);
    };
  }

  /** Per-queue offsets, sizes and per-group lag of the topic. */
  async stats(topicName: string): Promise<TopicStats> {
    return this.router(topicName).stats();
  }

  /** The topic's per-minute history of the last `minutes` minutes (TopicRouter.history). */
  async history(topicName: string, minutes: number): Promise<TopicHistory> {
    return this.router(topicName).history(minutes);
  }

  // ── timers ─────────────────────────────────────────────────────────────

  /** The earliest of every engine's next wake-up (see `QueueEngine.nextWakeUp`). */
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
    for (const [name, topic] of this.topics)
      for (const engine of topic.engines) {
        await engine.tick();
        await this.checkBack(name, topic.router, engine.takeDueChecks());
      }
    this.schedule();
  }

  /** Stops the timers and every engine, then closes the store. */
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
    this.topics.set(name, { config, engines, router: this.newRouter(name, config, engines) });
  }

  /** Asks registered producers about due transactions and applies their answers. */
  private async checkBack(
    topicName: string,
    router: TopicRouter,
    due: TransactionInfo[],
  ): Promise<void> {
    for (const tx of due) {
      const checker = this.checkers.get(tx.producerId);
      if (!checker) continue;
      try {
        const answer = await checker(tx);
        if (answer === "commit" || answer === "rollback")
          await router.endTransaction(tx.txId, answer, "check");
      } catch (error) {
        // A failing checker counts as no answer: the next check asks again.
        console.warn(`edgeq: check-back of ${topicName} ${tx.txId} failed`, error);
      }
    }
  }

  private newRouter(name: string, config: TopicConfig, engines: QueueEngine[]): TopicRouter {
    return new TopicRouter(name, config, engines, this.clock, this.rotations);
  }

  private topic(name: string): Topic {
    if (this.closed) throw new EdgeqError("closed", "broker is closed");
    assertName("topic", name);
    const topic = this.topics.get(name);
    if (!topic) throw new EdgeqError("not_found", `unknown topic ${name}`);
    return topic;
  }

  /** Awaits a call, then re-arms the wake-up timer (a send or nack may have made it earlier). */
  private async after<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } finally {
      this.schedule();
    }
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
