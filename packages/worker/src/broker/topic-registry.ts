import { DurableObject } from "cloudflare:workers";
import { EdgeqError } from "@edgeq/core";
import { isPlainObject } from "@edgeq/core/engine";
import type { ReplicationSetting } from "../replication/replication-setting.js";
import { type Outcome, outcomeOf } from "../shared/outcome.js";
import { parseTopicSettings, type WorkerTopicConfig } from "./topic-settings.js";

/** Every topic's settings as the registry holds them, with a version that grows on each change. */
export interface TopicsSnapshot {
  version: number;
  topics: Record<string, WorkerTopicConfig>;
}

/** What a PUT did. */
export interface TopicChange {
  created: boolean;
  settings: WorkerTopicConfig;
}

/** A deleted topic, remembered so a seed does not bring it back and a repeated DELETE wipes again. */
export interface DeletedTopic {
  queueCount: number;
  /** Its replicas hold copies of its queues: they are wiped too. */
  replication?: ReplicationSetting;
}

const TOPIC = "topic|";
const GONE = "gone|";
const VERSION = "version";

/**
 * The topics of the broker, changed at runtime (`PUT`/`DELETE
 * /v1/topics/{topic}`, or EdgeqRpc): one Durable Object, the single writer
 * of every topic's settings. Settings are kept as given (validated) and
 * resolved with the current defaults when read. On its first start, and
 * whenever `EDGEQ_TOPICS` names a topic it has never seen, the var seeds it;
 * a topic in the registry keeps its runtime settings over the var's, and a
 * deleted one stays deleted. Workers cache its snapshot (topic-cache.ts).
 */
export class TopicRegistryDO extends DurableObject<Env> {
  #settings = new Map<string, Record<string, unknown>>();
  #gone = new Map<string, DeletedTopic>();
  #version = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(() => this.#load());
  }

  /** Every topic's settings, resolved with the current defaults: what Workers cache. */
  snapshot(): Promise<Outcome<TopicsSnapshot>> {
    return outcomeOf(() => {
      // Own properties only (`Object.fromEntries`): `topics[name] = …` with a topic
      // named `__proto__` would set the record's prototype, which RPC cannot clone.
      const topics = Object.fromEntries(
        Array.from(this.#settings, ([name, settings]) => [name, parseTopicSettings(settings)]),
      );
      return { version: this.#version, topics };
    });
  }

  /**
   * Creates or replaces a topic's settings (absent ones take their defaults).
   * A change that existing queues cannot take is `conflict` naming the
   * setting: fewer queues (their messages would be stranded), another
   * durability (a queue's store is pinned when first used), or another
   * replication (a queue's members are pinned, and its primary may be a replica).
   */
  put(name: string, raw: unknown): Promise<Outcome<TopicChange>> {
    return outcomeOf(async () => {
      const settings = parseTopicSettings(raw);
      const before = this.#settings.get(name);
      if (before !== undefined) {
        const old = parseTopicSettings(before);
        if (settings.queueCount < old.queueCount)
          conflict(
            "queueCount",
            `topic ${name} has ${old.queueCount} queues; a topic never loses queues`,
          );
        if (settings.durability !== old.durability)
          conflict("durability", `topic ${name} is ${old.durability}; its queues' store is pinned`);
        // A queue's members are fixed when its primary opens, and a promotion moves the
        // queue to a replica: adding, removing or reshaping replicas under it would strand data.
        if (JSON.stringify(settings.replication) !== JSON.stringify(old.replication))
          conflict("replication", `topic ${name}: replication is set when the topic is created`);
      }
      const stored = raw as Record<string, unknown>;
      this.#settings.set(name, stored);
      this.#gone.delete(name);
      this.#version++;
      await this.ctx.storage.put({ [TOPIC + name]: stored, [VERSION]: this.#version });
      await this.ctx.storage.delete(GONE + name);
      return { created: before === undefined, settings };
    });
  }

  /** Removes a topic; answers what it had (queues, replicas) to wipe (again, for a topic deleted before). */
  delete(name: string): Promise<Outcome<DeletedTopic>> {
    return outcomeOf(async () => {
      const before = this.#settings.get(name);
      if (before === undefined) {
        const gone = this.#gone.get(name);
        if (!gone) throw new EdgeqError("not_found", `unknown topic ${name}`);
        return gone;
      }
      const { queueCount, replication } = parseTopicSettings(before);
      const tombstone: DeletedTopic = { queueCount, ...(replication ? { replication } : {}) };
      this.#settings.delete(name);
      this.#gone.set(name, tombstone);
      this.#version++;
      await this.ctx.storage.put({ [GONE + name]: tombstone, [VERSION]: this.#version });
      await this.ctx.storage.delete(TOPIC + name);
      return tombstone;
    });
  }

  async #load(): Promise<void> {
    const topics = await this.ctx.storage.list<Record<string, unknown>>({ prefix: TOPIC });
    for (const [key, value] of topics) this.#settings.set(key.slice(TOPIC.length), value);
    const gone = await this.ctx.storage.list<DeletedTopic>({ prefix: GONE });
    for (const [key, value] of gone) this.#gone.set(key.slice(GONE.length), value);
    this.#version = (await this.ctx.storage.get<number>(VERSION)) ?? 0;
    const seeds = seedTopics(this.env);
    const fresh = Object.entries(seeds).filter(
      ([name]) => !this.#settings.has(name) && !this.#gone.has(name),
    );
    if (fresh.length === 0) return;
    for (const [name, settings] of fresh) this.#settings.set(name, settings);
    this.#version++;
    await this.ctx.storage.put({
      ...Object.fromEntries(fresh.map(([name, settings]) => [TOPIC + name, settings])),
      [VERSION]: this.#version,
    });
  }
}

function conflict(setting: string, message: string): never {
  throw new EdgeqError("conflict", message, { details: { setting } });
}

/** `EDGEQ_TOPICS` as name → settings, each validated (a bad seed is a deployment error). */
export function seedTopics(env: Env): Record<string, Record<string, unknown>> {
  const raw = env.EDGEQ_TOPICS;
  const source: unknown = typeof raw === "string" ? JSON.parse(raw) : raw;
  if (!isPlainObject(source)) return {};
  for (const [name, settings] of Object.entries(source)) {
    try {
      parseTopicSettings(settings);
    } catch (error) {
      throw new Error(`EDGEQ_TOPICS: topic ${name}: ${(error as Error).message}`, { cause: error });
    }
  }
  return source as Record<string, Record<string, unknown>>;
}
