import { type Clock, systemClock } from "../clock.js";
import { EdgeqError } from "../errors.js";
import type { TransactionChecker, TransactionInfo } from "../model.js";
import type { Store } from "../store/store.js";
import { defineVerbMethods } from "../util/verb-methods.js";
import { resolveTopicConfig, type TopicConfig } from "./config.js";
import { QueueEngine } from "./queue-engine.js";
import { fromJson, toJson } from "./records.js";
import { RouterRotations } from "./rotations.js";
import { ROUTER_VERBS, type RouterVerb, TopicRouter } from "./topic-router.js";
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
 * The Broker's calls by topic name: `broker.ack(topic, group, receipts)` is
 * `broker.router(topic).ack(group, receipts)` (see TopicRouter for each),
 * followed by re-arming the engines' timer.
 */
export type BrokerRouterCalls = {
  [V in RouterVerb]: (
    topicName: string,
    ...args: Parameters<TopicRouter[V]>
  ) => ReturnType<TopicRouter[V]>;
};

// The class's static block defines these on its prototype, one per ROUTER_VERBS entry.
export interface Broker extends BrokerRouterCalls {}

/**
 * Topics over queue engines, in one process: keeps the topic registry in the
 * store, gives each topic a TopicRouter over its QueueEngines, and drives the
 * engines' timers. The edge Worker runs the same TopicRouter over Durable
 * Object queues instead.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the static block's methods
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

  static {
    // Each router call by topic name, then re-arming the wake-up timer (the call may have moved it).
    defineVerbMethods(
      Broker.prototype,
      ROUTER_VERBS,
      (verb) =>
        async function (this: Broker, topicName: string, ...args: unknown[]) {
          const router = this.router(topicName);
          return this.after(
            (router[verb] as (...a: unknown[]) => Promise<unknown>).apply(router, args),
          );
        },
    );
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
