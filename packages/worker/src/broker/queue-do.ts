import { DurableObject } from "cloudflare:workers";
import {
  EdgeqError,
  isEdgeqError,
  type TransactionCheckResult,
  type TransactionInfo,
} from "@edgeq/core";
import {
  QUEUE_VERBS,
  QueueEngine,
  type QueueHandle,
  type QueueSnapshot,
  type QueueVerb,
} from "@edgeq/core/engine";
import type { ApplyRequest, ReplicaAnswer, SnapshotPage } from "@edgeq/core/replication";
import type { Store } from "@edgeq/core/store";
import { defineVerbMethods } from "@edgeq/core/util";
import {
  type PromoteResult,
  QueueReplication,
  type ReplicaRead,
} from "../replication/queue-replication.js";
import { type Outcome, outcomeOf } from "../shared/outcome.js";
import type { QueueRef } from "../shared/queue-ref.js";
import { openKvStore } from "../store/kv-store.js";
import { ObjectHost } from "../store/object-host.js";
import { type Durability, routerOf, topicConfig } from "./topics.js";

const REF_KEY = "do|ref";
/**
 * Decoded segments kept between calls: a lease consumer receiving 100 at a
 * time from segments of 1,000 decodes each once, not ten times. Sharing them
 * is safe here: every result leaves the object through RPC, which copies it.
 */
const SEGMENT_CACHE_BYTES = 2 * 1024 * 1024;

/** What the object remembers about itself, in its SQL table whatever the durability. */
interface Identity extends QueueRef {
  /**
   * Pinned when the queue is first used: `sync` records live in SQL tables,
   * `async` ones in the key-value API, so a later config change must not
   * switch stores under existing messages.
   */
  durability: Durability;
}

/**
 * QueueDO's RPC method for each QueueHandle call: the queue's ref first, then
 * the call's arguments, its value or error answered as an Outcome.
 */
type QueueVerbMethods = {
  [V in QueueVerb]: (
    ref: QueueRef,
    ...args: Parameters<NonNullable<QueueHandle[V]>>
  ) => Promise<Outcome<Awaited<ReturnType<NonNullable<QueueHandle[V]>>>>>;
};

// The class's static block defines these on its prototype, one per QUEUE_VERBS entry
// (which the core checks lists every QueueHandle call).
export interface QueueDO extends QueueVerbMethods {}

/**
 * One topic queue of the broker: a SQLite-backed Durable Object running the
 * core's QueueEngine over its ObjectHost's SQLite store. It is a thin RPC
 * shell: each QueueHandle call (`QUEUE_VERBS`) is a method of the same name
 * taking the queue's ref first and answering an `Outcome`, defined once for
 * all of them in the static block; the alarm is set to the engine's next
 * wake-up (delays, lease expiry, retries, retention, checks).
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the static block's methods
export class QueueDO extends DurableObject<Env> {
  /** Clock, alarm and SQLite store; the store holds the object's identity, and the messages of `sync` queues. */
  readonly #host: ObjectHost;
  #queue: Promise<{ ref: QueueRef; engine: QueueEngine }> | undefined;
  /** Its part in a replicated queue (topic setting `replication`): primary or replica. */
  #replication!: QueueReplication;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#host = new ObjectHost(ctx.storage);
    // The runtime delivers no call before this settles: every method finds the store and replication set.
    void ctx.blockConcurrencyWhile(async () => {
      await this.#host.openStore();
      this.#replication = this.#replicationOver(this.#host.store);
    });
  }

  #replicationOver(store: Store): QueueReplication {
    return new QueueReplication(this.env, store, this.#host.clock, () => {
      void this.#queue?.then(
        ({ engine }) => engine.close(),
        () => undefined,
      );
      this.#queue = undefined;
    });
  }

  static {
    // Every QueueHandle call but those written out below (snapshot) is one engine call through #run:
    // a new verb in QUEUE_VERBS is served here with nothing to add.
    defineVerbMethods(
      QueueDO.prototype,
      QUEUE_VERBS,
      (verb) =>
        function (this: QueueDO, ref: QueueRef, ...args: unknown[]) {
          return this.#run(ref, (q) => (q[verb] as (...a: unknown[]) => unknown).apply(q, args));
        },
    );
  }

  /** Offsets, sizes and per-group state of the queue (and its replicas), for stats. */
  snapshot(ref: QueueRef): Promise<Outcome<QueueSnapshot>> {
    return this.#run(ref, async (q) => {
      const { queue, groups } = q.snapshot();
      const replication = await this.#replication.stats(
        (await topicConfig(this.env, ref.topic)).replication,
      );
      return { queue: replication ? { ...queue, replication } : queue, groups };
    });
  }
  // ── replication (see QueueReplication): the primary's calls to this member, and failover ──

  /** Applies a primary's numbered batches to this replica. */
  replicaApply(ref: QueueRef, request: ApplyRequest): Promise<Outcome<ReplicaAnswer>> {
    return outcomeOf(() => this.#replication.apply(ref, request));
  }
  /** Applies one page of a primary's snapshot to this replica. */
  replicaSnapshot(ref: QueueRef, page: SnapshotPage): Promise<Outcome<ReplicaAnswer>> {
    return outcomeOf(() => this.#replication.snapshot(ref, page));
  }
  /** Makes this replica the queue's primary (a new term) and opens its engine. */
  promote(ref: QueueRef): Promise<Outcome<PromoteResult>> {
    this.#host.takeTime();
    return outcomeOf(async () => {
      const promoted = await this.#replication.promote(ref);
      await this.#open(ref);
      return promoted;
    });
  }
  /** Reads by offset from this member's own copy (a replica read, `?replica=`). */
  readReplica(
    ref: QueueRef,
    from: number,
    limit: number,
    tags: string[] | undefined,
  ): Promise<Outcome<ReplicaRead>> {
    return outcomeOf(() => this.#replication.read(ref, from, limit, tags));
  }
  /** Records that `member` is the primary now: calls here are pointed there. */
  pointTo(_ref: QueueRef, member: string, term: number): Promise<Outcome<void>> {
    return outcomeOf(() => this.#replication.pointTo(member, term));
  }

  /** Runs the engine's due work (delays, lease expiry, retries, retention, checks) and re-arms. */
  override async alarm(): Promise<void> {
    this.#host.alarmFired();
    const identity = (await this.#host.store.get(REF_KEY)) as Identity | undefined;
    if (!identity) return;
    // A member that stopped being the primary has no timed work left: its queue runs elsewhere.
    const engine = await this.#open(identity).catch((error: unknown) => {
      if (isEdgeqError(error, "conflict")) return undefined;
      throw error;
    });
    if (!engine) return;
    await engine.tick();
    await checkBack(this.env, identity.topic, engine.takeDueChecks());
    await this.#replication.pump();
    await this.#arm(engine);
  }

  /**
   * Deletes the queue and everything in it (its topic was deleted). A call
   * that arrives later finds no queue, asks the registry afresh, and is
   * `not_found` unless the topic was created again.
   */
  destroy(): Promise<Outcome<void>> {
    return outcomeOf(async () => {
      const opened = await this.#queue?.catch(() => undefined);
      this.#queue = undefined;
      await opened?.engine.close();
      await this.#host.wipe();
      // The replication state (term, batches, pointers) lived in the wiped table too.
      this.#replication = this.#replicationOver(this.#host.store);
    });
  }

  /** Runs one engine call for the queue `ref` names, then re-arms the alarm; errors come back as data. */
  #run<T>(ref: QueueRef, call: (engine: QueueEngine) => T | Promise<T>): Promise<Outcome<T>> {
    this.#host.takeTime();
    return outcomeOf(async () => {
      const engine = await this.#open(ref);
      // Settings changed at runtime reach an open queue within the isolate's cache time.
      engine.config = await topicConfig(this.env, ref.topic);
      const value = await call(engine);
      await this.#arm(engine);
      return value;
    });
  }

  async #open(ref: QueueRef): Promise<QueueEngine> {
    if (!this.#queue) {
      // Checked before blockConcurrencyWhile, where a throw would break the object.
      // A queue about to be created asks the registry itself: a caller's cached
      // copy may still list a topic that was just deleted.
      const exists = (await this.#host.store.get(REF_KEY)) !== undefined;
      const config = await topicConfig(this.env, ref.topic, { fresh: !exists });
      if (ref.queueId >= config.queueCount)
        throw new EdgeqError("not_found", `topic ${ref.topic} has no queue ${ref.queueId}`);
      if (config.replication) await this.#replication.prepare(ref, config.replication);
    }
    this.#queue ??= this.ctx.blockConcurrencyWhile(async () => {
      const known = (await this.#host.store.get(REF_KEY)) as Identity | undefined;
      const config = await topicConfig(this.env, ref.topic);
      const identity: Identity = {
        topic: ref.topic,
        queueId: ref.queueId,
        ...(ref.member === undefined ? {} : { member: ref.member }),
        // Objects from before durability existed kept everything in SQL.
        durability: known ? (known.durability ?? "sync") : config.durability,
      };
      // Remembered for alarms, which arrive without a caller to say which queue this is.
      if (!known)
        await this.#host.store.write([{ type: "put", key: REF_KEY, value: { ...identity } }]);
      const store = config.replication
        ? this.#replication.engineStore()
        : identity.durability === "async"
          ? await openKvStore(this.ctx.storage, { allowUnconfirmed: true })
          : this.#host.store;
      const engine = await QueueEngine.open(store, {
        topic: ref.topic,
        queueId: ref.queueId,
        config,
        clock: this.#host.clock,
        segmentCacheBytes: SEGMENT_CACHE_BYTES,
      });
      return { ref, engine };
    });
    const opened = await this.#queue.catch((error: unknown) => {
      this.#queue = undefined;
      throw error;
    });
    if (opened.ref.topic !== ref.topic || opened.ref.queueId !== ref.queueId)
      throw new EdgeqError(
        "internal",
        `object holds ${opened.ref.topic}/${opened.ref.queueId}, not ${ref.topic}/${ref.queueId}`,
      );
    return opened.engine;
  }

  #arm(engine: QueueEngine): Promise<void> {
    return this.#host.arm([engine.nextWakeUp(), this.#replication.nextWakeUp()]);
  }
}

/** The producer side of a check-back over RPC (see `WorkerTopicConfig.transactionChecker`). */
interface TransactionCheckerBinding {
  checkLocalTransaction(topic: string, tx: TransactionInfo): Promise<TransactionCheckResult>;
}

/**
 * Asks the topic's checker binding about transactions whose check came due
 * and applies the answers to every queue of each transaction. A failed or
 * `unknown` answer leaves it for the next check (the alarm comes back).
 */
async function checkBack(env: Env, topic: string, due: TransactionInfo[]): Promise<void> {
  if (due.length === 0) return;
  const config = await topicConfig(env, topic);
  const name = config.transactionChecker;
  // A binding is an own property of env: never an inherited member such as `constructor`.
  const checker =
    name && Object.hasOwn(env, name)
      ? (env as unknown as Record<string, unknown>)[name]
      : undefined;
  if (!checker) return;
  const router = routerOf(env, topic, config);
  for (const tx of due) {
    try {
      const answer = await (checker as TransactionCheckerBinding).checkLocalTransaction(topic, tx);
      if (answer === "commit" || answer === "rollback")
        await router.endTransaction(tx.txId, answer, "check");
    } catch (error) {
      console.warn(`edgeq: check-back of ${topic} ${tx.txId} failed`, error);
    }
  }
}
